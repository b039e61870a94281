# Step 1 of video DiffPose on CPU: a small MixSTE (27 frames, dim 128,
# depth 4, 4 heads; the paper's is 243 frames, dim 512, depth 8, 8 heads)
# trained alone, seq-to-seq, with an MPJPE loss (DiffPoseLifter with a
# PoseRegressionHead); flip-averaged at test as DiffPose does.
# Data: 27-frame windows, configs/_base_/datasets/h36m_mocap_video27.py.
_base_ = ['../_base_/datasets/h36m_mocap_video27.py',
          '../_base_/pipelines/screen_lifting.py']

# ---- schedule ------------------------------------------------------------
train_cfg = dict(by_epoch=True, max_epochs=1, val_interval=1)
optim_wrapper = dict(optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.1),
                     clip_grad=dict(max_norm=1.))
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=1,
         eta_min=1e-5, convert_to_iter_based=True)
]
auto_scale_lr = dict(base_batch_size=32)

# ---- model (codec and pipelines: _base_/pipelines/screen_lifting.py) ---
model = dict(
    type='DiffPoseLifter',
    backbone=dict(type='MixSTE', num_frames=27, num_joints=17,
                  embed_dim=128, depth=4, num_heads=4, mlp_ratio=2.,
                  drop_path_rate=0.1),
    head=dict(type='PoseRegressionHead', decoder={{_base_.codec}}),
    test_cfg=dict(flip_test=True))

# ---- data ----------------------------------------------------------------
train_dataloader = dict(dataset=dict(pipeline={{_base_.train_pipeline}}))
val_dataloader = dict(dataset=dict(pipeline={{_base_.test_pipeline}}))
test_dataloader = val_dataloader
