# Human3.6M-format data made from the Human3.6M motion capture by
# tools/mocap_to_h36m.py (bash tools/prepare_mocap_data.sh): S1 S5 S6 S7
# train, S8 validation and test, real Human3.6M cameras, ground-truth 2D.
# One frame per sample (method configs change seq_len / causal / windows).
# Pipelines depend on the method's codec: a method config adds them, e.g.
#   train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
# Metainfo: MMPose's Human3.6M-17 (PoseLiftH36MDataset.METAINFO).
_base_ = ['../poselift_runtime.py']

dataset_type = 'PoseLiftH36MDataset'  # MMPose's Human36mDataset + checks
data_root = 'data/h36m_mocap/'
dataset_common = dict(
    type=dataset_type, data_root=data_root,
    data_prefix=dict(img='images/'),
    camera_param_file='annotation_body3d/cameras.pkl', seq_len=1,
    causal=True)
train_dataloader = dict(
    batch_size=1024,
    num_workers=0,  # a worker process costs more (pickling samples) here
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        ann_file='annotation_body3d/fps50/h36m_train.npz',
        keypoint_2d_src='gt', sample_stride=5,  # 10 Hz
        **dataset_common))
# S8, every 20th frame (11,683 frames), ground-truth 2D
val_dataloader = dict(
    batch_size=1024,
    num_workers=0,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(
        ann_file='annotation_body3d/fps50/h36m_val.npz',
        keypoint_2d_src='gt', sample_stride=20, test_mode=True,
        **dataset_common))
test_dataloader = val_dataloader
# MPJPE / P-MPJPE / N-MPJPE in mm, averaged per action then over actions
val_evaluator = dict(type='LiftingMPJPE', prefix='h36m')
test_evaluator = val_evaluator
# the best checkpoint by this data's metric (method configs may override)
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=1,
                    save_best='h36m/MPJPE', rule='less'))
