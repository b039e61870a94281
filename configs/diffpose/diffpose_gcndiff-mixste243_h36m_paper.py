# Video DiffPose at the paper's setting (GPU): MixSTE 243 frames (dim 512,
# depth 8, 8 heads; mixste_cpn_243f.bin) flip-averaged + GCNdiff per frame,
# one DDIM step 0 -> -1 from the clean start (released video-CPN sampler),
# uv noise scale 0.5 in training. Windows: MMPose's multiple_target (the
# original also evaluates a last window re-anchored to the sequence end;
# MMPose drops the tail shorter than a window).
# Original weights: tools/convert_checkpoint.py diffpose
# diffpose_video_uvxyz_cpn.pth OUT --pose-model mixste_cpn_243f.bin
# --pose-model-kind mixste --trust-checkpoint
_base_ = ['./diffpose_gcndiff-gcnpose_h36m_paper.py']

model = dict(
    backbone=dict(_delete_=True, type='MixSTE', num_frames=243,
                  num_joints=17, embed_dim=512, depth=8, num_heads=8,
                  mlp_ratio=2.),
    head=dict(uv_noise_scale=0.5),
    test_cfg=dict(timesteps=(0, ), flip_test=True))
val_dataloader = dict(
    batch_size=4,
    dataset=dict(seq_len=1, multiple_target=243, multiple_target_step=243,
                 keypoint_2d_file='data_2d_h36m_cpn_ft_h36m_dbb.npz'))
test_dataloader = val_dataloader
