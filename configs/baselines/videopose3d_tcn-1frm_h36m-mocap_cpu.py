# Peer for the frame-based DiffPose results: MMPose's 1-frame VideoPose3D
# (TCN with 1x1 kernels, 4 blocks, 1024 channels; MMPose's
# video-pose-lift_tcn-1frm-supv-cpn-ft config) on the same mocap-derived
# data as configs/diffpose, trained for the same CPU wall-clock budget as
# the 27-frame peer (about 600 s here; docs/benchmarks.md).
_base_ = ['../_base_/poselift_runtime.py']

data_root = 'data/h36m_mocap/'
train_cfg = dict(by_epoch=True, max_epochs=2, val_interval=2)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3),
                     clip_grad=dict(max_norm=1.))
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=2,
         eta_min=1e-5, convert_to_iter_based=True)
]
auto_scale_lr = dict(base_batch_size=128)
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=1,
                    save_best='h36m/MPJPE', rule='less'))
codec = dict(type='VideoPoseLifting', num_keypoints=17, zero_center=True,
             root_index=0, remove_root=False)
model = dict(
    type='PoseLifter',
    backbone=dict(type='TCN', in_channels=2 * 17, stem_channels=1024,
                  num_blocks=4, kernel_sizes=(1, 1, 1, 1, 1),
                  dropout=0.25,
                  use_stride_conv=True),
    head=dict(type='TemporalRegressionHead', in_channels=1024,
              num_joints=17, loss=dict(type='MPJPELoss'), decoder=codec))
meta_keys = ('id', 'category_id', 'target_img_path', 'flip_indices',
             'target_root')
train_pipeline = [
    dict(type='RandomFlipAroundRoot', keypoints_flip_cfg=dict(),
         target_flip_cfg=dict()),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs', meta_keys=meta_keys)
]
val_pipeline = [
    dict(type='ValidateKeypoints', num_keypoints=17),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs', meta_keys=meta_keys)
]
dataset_common = dict(
    type='PoseLiftH36MDataset', data_root=data_root,
    data_prefix=dict(img='images/'),
    camera_param_file='annotation_body3d/cameras.pkl', seq_len=1,
    causal=True)
train_dataloader = dict(
    batch_size=128,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(ann_file='annotation_body3d/fps50/h36m_train.npz',
                 keypoint_2d_src='gt', sample_stride=5,
                 pipeline=train_pipeline, **dataset_common))
# S8, every 20th frame, as the frame DiffPose configs
val_dataloader = dict(
    batch_size=512,
    num_workers=0,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(ann_file='annotation_body3d/fps50/h36m_val.npz',
                 keypoint_2d_src='gt', sample_stride=20, test_mode=True,
                 pipeline=val_pipeline, **dataset_common))
test_dataloader = val_dataloader
val_evaluator = dict(type='LiftingMPJPE', prefix='h36m')
test_evaluator = val_evaluator
