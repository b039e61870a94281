# A tiny SimpleBaseline3D-style lifter (MMPose's PoseLifter + 1-frame TCN) on
# the procedural Human3.6M-format set that tools/make_synthetic_h36m.py writes.
# It trains in about a minute on 2 CPU cores: the smoke test of the
# train/test tools (tests/tools/test_train_test.py) and the first example of
# README "Using it the MMPose way". Not a benchmark model, and not the main
# job (that is tools/run_demo.sh).
# Data: configs/_base_/datasets/synthetic_h36m.py.
_base_ = [
    '../_base_/poselift_runtime.py', '../_base_/datasets/synthetic_h36m.py'
]

train_cfg = dict(by_epoch=True, max_epochs=10, val_interval=10)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=2e-3), clip_grad=None)
param_scheduler = [dict(type='ExponentialLR', gamma=0.9, by_epoch=True)]
auto_scale_lr = dict(base_batch_size=64)
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=25),
    checkpoint=dict(
        type='CheckpointHook', interval=1, max_keep_ckpts=2,
        save_best='h36m/MPJPE', rule='less'))

codec = dict(
    type='VideoPoseLifting',
    num_keypoints=17,
    zero_center=True,
    root_index=0,
    remove_root=False)

model = dict(
    type='PoseLifter',
    backbone=dict(
        type='TCN',
        in_channels=2 * 17,
        stem_channels=256,
        num_blocks=2,
        kernel_sizes=(1, 1, 1),
        dropout=0.1),
    head=dict(
        type='TemporalRegressionHead',
        in_channels=256,
        num_joints=17,
        loss=dict(type='MPJPELoss'),
        decoder=codec))

meta_keys = ('id', 'category_id', 'target_img_path', 'flip_indices',
             'target_root')
train_pipeline = [
    dict(type='ValidateKeypoints', num_keypoints=17),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs', meta_keys=meta_keys)
]
val_pipeline = train_pipeline
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = val_dataloader
