# Test-only data: 3DPW in ZeDO's own test file (pw3d_test.npz; 2D = the
# projection of the GT 3D, per-frame intrinsics), every 35th frame as ZeDO
# evaluates. Not available on the CPU machine: put the file at
# data/zedo/pw3d_test.npz. Used as cmu_mocap.py is:
#   test_dataloader = dict(dataset=dict(
#       _delete_=True, pipeline=_base_.test_pipeline,
#       **_base_.zedo_3dpw_test_dataset))
zedo_3dpw_test_dataset = dict(
    type='ZeDOPklDataset', layout='pw3d', data_root='data/zedo/',
    ann_file='pw3d_test.npz', sample_interval=35, keypoint_2d_src='gt',
    test_mode=True)
# MPJPE / P-MPJPE (+ the oracle best-of-S), one plain average
zedo_3dpw_test_evaluator = dict(type='LiftingMPJPE', prefix='3dpw',
                                per_action=False, oracle=True)
