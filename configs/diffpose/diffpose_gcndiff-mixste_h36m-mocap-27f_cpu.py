# Video DiffPose on CPU: the MixSTE of mixste-d64l2_h36m-mocap-27f_cpu.py
# frozen as the initialiser (flip-averaged) + the GCNdiff denoiser applied
# per frame. As in the original, the denoiser trains on single frames with
# the constant uv noise scale 0.5; here it starts from the frame DiffPose
# head and is fine-tuned for one short epoch (CPU budget). Test: released
# video behaviour (one DDIM step 0 -> -1 from the clean start).
# Data: 27-frame windows, configs/_base_/datasets/h36m_mocap_video27.py.
_base_ = ['../_base_/datasets/h36m_mocap_video27.py',
          '../_base_/pipelines/screen_lifting.py']

# ---- schedule ------------------------------------------------------------
train_cfg = dict(by_epoch=True, max_epochs=1, val_interval=1)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=5e-4),
                     clip_grad=dict(max_norm=1.))
param_scheduler = []
auto_scale_lr = dict(base_batch_size=256)

# ---- model (codec and pipelines: _base_/pipelines/screen_lifting.py) ---
head_ckpt = 'work_dirs/diffpose_gcndiff-gcnpose_h36m-mocap_cpu/best.pth'
model = dict(
    type='DiffPoseLifter',
    backbone=dict(
        type='MixSTE', num_frames=27, num_joints=17, embed_dim=64, depth=2,
        num_heads=4, mlp_ratio=2.),
    # trained pose model and frame DiffPose head, loaded when training starts
    backbone_checkpoint='work_dirs/mixste-d64l2_h36m-mocap-27f_cpu/best.pth',
    head_checkpoint=head_ckpt,
    head=dict(
        type='DiffPoseHead',
        denoiser=dict(type='GCNdiff', num_joints=17, hid_dim=96,
                      num_layers=5, num_heads=4, dropout=0.25),
        uv_noise_scale=0.5, decoder={{_base_.codec}}),
    train_cfg=dict(train_backbone=False),
    test_cfg=dict(timesteps=(0, ), eta=0., num_hypotheses=1,
                  start_noise=False, flip_test=True))

# ---- data ----------------------------------------------------------------
# the denoiser trains on single frames (10 Hz), like the frame model
train_dataloader = dict(
    batch_size=256,
    dataset=dict(seq_len=1, multiple_target=0, sample_stride=10,
                 pipeline={{_base_.train_pipeline}}))
val_dataloader = dict(dataset=dict(pipeline={{_base_.test_pipeline}}))
test_dataloader = val_dataloader
