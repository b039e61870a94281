# Test-only data: MINI-RGBD (Hesse et al., ECCV Workshops 2018), the
# sequences 11 and 12 (ZeDO-infant's test split), ground-truth 2D, the data
# set's fixed intrinsics. Not available on the CPU machine: put the folder
# holding 01 ... 12 at data/mini-rgbd/MINI-RGBD_web. Used as cmu_mocap.py is:
#   test_dataloader = dict(dataset=dict(
#       _delete_=True, pipeline=_base_.test_pipeline,
#       **_base_.mini_rgbd_test_dataset))
#   test_evaluator = _base_.mini_rgbd_test_evaluator
mini_rgbd_test_dataset = dict(
    type='MiniRGBDDataset', data_root='data/mini-rgbd/',
    ann_file='MINI-RGBD_web', sequences=('11', '12'),
    joint_map='anatomical', test_mode=True)
# ZeDO scores MINI-RGBD's 17 joints about the root (pelvis)
mini_rgbd_test_evaluator = dict(type='LiftingMPJPE', prefix='mini-rgbd',
                                modes=('mpjpe', 'p-mpjpe'),
                                per_action=False, oracle=False)
