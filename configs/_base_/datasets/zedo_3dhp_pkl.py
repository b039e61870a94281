# Test-only data: MPI-INF-3DHP in ZeDO's own test file (mpii3d_test.pkl:
# Human3.6M-17 joint order, pixel intrinsics per frame), valid frames, every
# 3rd, as ZeDO evaluates. Not available on the CPU machine: put the file at
# data/zedo/mpii3d_test.pkl. ZeDO's metrics: MPJPE / P-MPJPE (+ the oracle
# best-of-S) and PCK@150 / AUC over all 17 joints in this order
# (joint_indices=None, root 0). Used as cmu_mocap.py is:
#   test_dataloader = dict(dataset=dict(
#       _delete_=True, pipeline=_base_.test_pipeline,
#       **_base_.zedo_3dhp_test_dataset))
zedo_3dhp_test_dataset = dict(
    type='ZeDOPklDataset', layout='mpii3d', data_root='data/zedo/',
    ann_file='mpii3d_test.pkl', valid_only=True, sample_interval=3,
    keypoint_2d_src='gt', test_mode=True)
zedo_3dhp_test_evaluator = [
    dict(type='LiftingMPJPE', prefix='3dhp', per_action=False, oracle=True),
    dict(type='PCK3DMetric', prefix='3dhp-pck', joint_indices=None,
         root_index=0,
         per_sequence=False)
]
