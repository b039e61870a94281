# Step 1 of frame DiffPose: the pose model GCNPose (DiffPose's GraFormer-like
# initialiser, hid 96, 5 layers, 4 heads) trained alone with an MPJPE loss
# (DiffPoseLifter with a PoseRegressionHead). The original's training code
# for gcn_xyz_*.pth was never released; this follows the GraFormer recipe
# (Adam 1e-3, gradient clip 1, dropout 0.25).
# Data: configs/_base_/datasets/h36m_mocap.py (S1 S5 S6 S7 train, S8 val).
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
model = dict(
    type='DiffPoseLifter',
    backbone=dict(type='GCNPose', num_joints=17, hid_dim=96, num_layers=5,
                  num_heads=4, dropout=0.25),
    head=dict(type='PoseRegressionHead', decoder={{_base_.codec}}))

# ---- data ----------------------------------------------------------------
# one epoch: ~760 steps of 256 frames (10 Hz subsample), CPU budget
train_dataloader = dict(batch_size=256, dataset=dict(pipeline={{_base_.train_pipeline}}))
val_dataloader = dict(dataset=dict(pipeline={{_base_.test_pipeline}}))
test_dataloader = val_dataloader
