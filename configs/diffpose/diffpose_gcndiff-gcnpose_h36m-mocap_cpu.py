# Frame DiffPose on CPU: the GCNdiff denoiser (1.03 M params, the paper's
# size) trained on uvxyz states with the GMM-shaped forward process (2D
# error mixture fitted by tools/fit_gmm.py from the training detections),
# the GCNPose pose model of gcnpose_h36m-mocap_cpu.py frozen as the
# initialiser. Test: the released behaviour (clean start, DDIM eta 0,
# steps 12 -> 0 -> -1, one hypothesis).
# Data: bash tools/prepare_mocap_data.sh (docs/diffpose.md); it also fits
# the GMM (data/h36m_mocap/gmm/), committed as checkpoints/diffpose/
# h36m-mocap_noisy2d_gmm3.npz (also stored in the checkpoint's buffers:
# init_lifter takes it from there when the file is found nowhere; files
# are looked for as poselift_mm.utils.paths says).
# Data settings: configs/_base_/datasets/h36m_mocap.py.
_base_ = ['../_base_/datasets/h36m_mocap.py',
          '../_base_/pipelines/screen_lifting.py']

# ---- schedule ------------------------------------------------------------
train_cfg = dict(by_epoch=True, max_epochs=1, val_interval=1)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3),
                     clip_grad=dict(max_norm=1.))
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=1,
         eta_min=1e-5, convert_to_iter_based=True)
]
auto_scale_lr = dict(base_batch_size=256)

# ---- model (codec and pipelines: _base_/pipelines/screen_lifting.py) ---
pose_model_ckpt = 'work_dirs/gcnpose_h36m-mocap_cpu/best.pth'
model = dict(
    type='DiffPoseLifter',
    backbone=dict(
        type='GCNPose', num_joints=17, hid_dim=96, num_layers=5, num_heads=4,
        dropout=0.25),
    backbone_checkpoint=pose_model_ckpt,  # loaded when training starts
    head=dict(
        type='DiffPoseHead',
        denoiser=dict(type='GCNdiff', num_joints=17, hid_dim=96,
                      num_layers=5, num_heads=4, dropout=0.25),
        num_steps=51, beta_start=1e-4, beta_end=1e-3,
        gmm=dict(type='GMMPrior', num_keypoints=17, num_components=3,
                 path='checkpoints/diffpose/h36m-mocap_noisy2d_gmm3.npz'),
        decoder={{_base_.codec}}),
    train_cfg=dict(train_backbone=False),
    test_cfg=dict(timesteps=(0, 12), eta=0., num_hypotheses=1,
                  start_noise=False))

# ---- data ----------------------------------------------------------------
train_dataloader = dict(batch_size=256, dataset=dict(pipeline={{_base_.train_pipeline}}))
val_dataloader = dict(dataset=dict(pipeline={{_base_.test_pipeline}}))
test_dataloader = val_dataloader
