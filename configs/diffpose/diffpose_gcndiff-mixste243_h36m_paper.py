# Video DiffPose at the paper's setting (GPU): MixSTE 243 frames (dim 512,
# depth 8, 8 heads; mixste_cpn_243f.bin) flip-averaged + GCNdiff per frame,
# one DDIM step 0 -> -1 from the clean start (released video-CPN sampler),
# uv noise scale 0.5 in training. As the original evaluates
# (runners/diffpose_video.py test_per_action): MixSTE's output enters the
# diffusion without root-centring (center_init=False; L338 is commented
# out), every frame is scored (non-overlapping 243-frame windows plus a
# last one re-anchored to the sequence end: multiple_target_tail='anchor'),
# and MPJVE is reported beside MPJPE / P-MPJPE / N-MPJPE. Training 2D: the
# CPN-2D mixtures, as the original's config at bf8484a (before 2023-12-28:
# the GT-2D file, which the frame config keeps).
# Original weights: tools/convert_checkpoint.py diffpose
# diffpose_video_uvxyz_cpn.pth OUT --pose-model mixste_cpn_243f.bin
# --pose-model-kind mixste --trust-checkpoint
# Paper protocol (commands, what matches, what differs): docs/diffpose.md.
_base_ = ['./diffpose_gcndiff-gcnpose_h36m_paper.py']

model = dict(
    backbone=dict(_delete_=True, type='MixSTE', num_frames=243,
                  num_joints=17, embed_dim=512, depth=8, num_heads=8,
                  mlp_ratio=2.),
    head=dict(uv_noise_scale=0.5),
    test_cfg=dict(timesteps=(0, ), flip_test=True, center_init=False))
train_dataloader = dict(
    dataset=dict(keypoint_2d_file='data_2d_h36m_cpn_ft_h36m_dbb_gmm.npz'))
val_dataloader = dict(
    batch_size=4,
    dataset=dict(seq_len=1, multiple_target=243, multiple_target_step=243,
                 multiple_target_tail='anchor',
                 keypoint_2d_file='data_2d_h36m_cpn_ft_h36m_dbb.npz'))
test_dataloader = val_dataloader
val_evaluator = dict(mpjve=True)
test_evaluator = val_evaluator
