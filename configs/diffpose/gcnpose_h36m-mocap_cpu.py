# Step 1 of frame DiffPose: the pose model GCNPose (DiffPose's GraFormer-like
# initialiser, hid 96, 5 layers, 4 heads) trained alone with an MPJPE loss
# (DiffPoseLifter with a PoseRegressionHead). The original's training code
# for gcn_xyz_*.pth was never released; this follows the GraFormer recipe
# (Adam 1e-3, gradient clip 1, dropout 0.25).
# Data: configs/_base_/datasets/h36m_mocap.py (S1 S5 S6 S7 train, S8 val).
_base_ = [
    '../_base_/poselift_runtime.py', '../_base_/datasets/h36m_mocap.py'
]

# ---- schedule ------------------------------------------------------------
train_cfg = dict(by_epoch=True, max_epochs=1, val_interval=1)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3),
                     clip_grad=dict(max_norm=1.))
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=1,
         eta_min=1e-5, convert_to_iter_based=True)
]
auto_scale_lr = dict(base_batch_size=256)
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=1,
                    save_best='h36m/MPJPE', rule='less'))

# ---- codec and model -----------------------------------------------------
# ScreenPoseLifting (MMPose's VideoPoseLifting: u = 2x/w - 1,
# v = 2y/w - h/w: DiffPose's screen normalisation; root-relative metres)
codec = dict(type='ScreenPoseLifting', num_keypoints=17, zero_center=True,
             root_index=0, remove_root=False, reshape_keypoints=False)
model = dict(
    type='DiffPoseLifter',
    backbone=dict(type='GCNPose', num_joints=17, hid_dim=96, num_layers=5,
                  num_heads=4, dropout=0.25),
    head=dict(type='PoseRegressionHead', decoder=codec))

# ---- pipelines -----------------------------------------------------------
meta_keys = ('id', 'category_id', 'target_img_path', 'flip_indices',
             'target_root', 'camera_param')
train_pipeline = [
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs', meta_keys=meta_keys)
]
test_pipeline = [
    dict(type='ValidateKeypoints', num_keypoints=17),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs', meta_keys=meta_keys)
]
# one epoch: ~760 steps of 256 frames (10 Hz subsample), CPU budget
train_dataloader = dict(batch_size=256, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
