# Shared data settings of the frame-based DiffPose configs: Human3.6M-format
# data from tools/mocap_to_h36m.py (S1 S5 S6 S7 train, S8 validation), one
# frame per sample, ScreenPoseLifting (MMPose's VideoPoseLifting: u = 2x/w - 1,
# v = 2y/w - h/w: DiffPose's screen normalisation; root-relative metres).
_base_ = ['../_base_/poselift_runtime.py']

data_root = 'data/h36m_mocap/'
codec = dict(type='ScreenPoseLifting', num_keypoints=17, zero_center=True,
             root_index=0, remove_root=False, reshape_keypoints=False)
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
dataset_common = dict(
    type='PoseLiftH36MDataset', data_root=data_root,
    data_prefix=dict(img='images/'),
    camera_param_file='annotation_body3d/cameras.pkl', seq_len=1,
    causal=True)
train_dataloader = dict(
    batch_size=1024,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        ann_file='annotation_body3d/fps50/h36m_train.npz',
        keypoint_2d_src='gt', sample_stride=5,  # 10 Hz
        pipeline=train_pipeline, **dataset_common))
# S8, every 20th frame (11,683 frames), ground-truth 2D
val_dataloader = dict(
    batch_size=1024,
    num_workers=0,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(
        ann_file='annotation_body3d/fps50/h36m_val.npz',
        keypoint_2d_src='gt', sample_stride=20, test_mode=True,
        pipeline=test_pipeline, **dataset_common))
test_dataloader = val_dataloader
val_evaluator = dict(type='LiftingMPJPE', prefix='h36m')
test_evaluator = val_evaluator
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=1,
                    save_best='h36m/MPJPE', rule='less'))
