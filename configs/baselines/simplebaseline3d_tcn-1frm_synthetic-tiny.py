# A tiny SimpleBaseline3D-style lifter (MMPose's PoseLifter + 1-frame TCN) on
# the procedural Human3.6M-format set that tools/make_synthetic_h36m.py writes.
# It trains in about a minute on 2 CPU cores: the quick-start job and the
# smoke test of the train/test tools. Not a benchmark model.
_base_ = ['../_base_/poselift_runtime.py']

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

dataset_type = 'PoseLiftH36MDataset'  # MMPose's, plus file checks
data_root = 'data/synthetic_h36m/'
meta_keys = ('id', 'category_id', 'target_img_path', 'flip_indices',
             'target_root')
train_pipeline = [
    dict(type='ValidateKeypoints', num_keypoints=17),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs', meta_keys=meta_keys)
]
val_pipeline = train_pipeline

dataset_common = dict(
    type=dataset_type,
    data_root=data_root,
    data_prefix=dict(img='images/'),
    camera_param_file='annotation_body3d/cameras.pkl',
    seq_len=1,
    causal=True,
    keypoint_2d_src='gt')
train_dataloader = dict(
    batch_size=64,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        ann_file='annotation_body3d/fps50/h36m_train.npz',
        pipeline=train_pipeline,
        **dataset_common))
val_dataloader = dict(
    batch_size=256,
    num_workers=0,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(
        ann_file='annotation_body3d/fps50/h36m_test.npz',
        pipeline=val_pipeline,
        test_mode=True,
        **dataset_common))
test_dataloader = val_dataloader

# MPJPE / P-MPJPE / N-MPJPE in mm, averaged per action then over actions
val_evaluator = dict(type='LiftingMPJPE', prefix='h36m')
test_evaluator = val_evaluator
