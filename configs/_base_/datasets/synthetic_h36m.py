# The procedural Human3.6M-format set that tools/make_synthetic_h36m.py
# writes (data/synthetic_h36m/): train and test files, ground-truth 2D, one
# frame per sample. For the quick-start / smoke-test config, not a benchmark.
dataset_type = 'PoseLiftH36MDataset'  # MMPose's, plus file checks
data_root = 'data/synthetic_h36m/'
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
        **dataset_common))
val_dataloader = dict(
    batch_size=256,
    num_workers=0,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(
        ann_file='annotation_body3d/fps50/h36m_test.npz',
        test_mode=True,
        **dataset_common))
test_dataloader = val_dataloader

# MPJPE / P-MPJPE / N-MPJPE in mm, averaged per action then over actions
val_evaluator = dict(type='LiftingMPJPE', prefix='h36m')
test_evaluator = val_evaluator
