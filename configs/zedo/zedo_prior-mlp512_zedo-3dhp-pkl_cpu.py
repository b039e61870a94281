# Zero-shot on MPI-INF-3DHP with ZeDO's own test file (mpii3d_test.pkl:
# Human3.6M-17 joint order, pixel intrinsics per frame; valid frames, every
# 3rd, as ZeDO evaluates). Not available on the CPU machine: put the file at
# data/zedo/mpii3d_test.pkl. ZeDO's 3DHP settings equal its H36M ones; its
# 3DHP clusters came from 3DHP training poses (here: the H36M clusters).
# PCK@150 / AUC over all 17 joints in this order (joint_indices=None,
# root 0), plus MPJPE / P-MPJPE.
_base_ = ['./zedo_prior-mlp512_h36m-mocap_cpu.py']

test_dataloader = dict(
    dataset=dict(
        _delete_=True, type='ZeDOPklDataset', layout='mpii3d',
        data_root='data/zedo/', ann_file='mpii3d_test.pkl', valid_only=True,
        sample_interval=3, keypoint_2d_src='gt', test_mode=True,
        pipeline={{_base_.test_pipeline}}))
test_evaluator = [
    dict(type='LiftingMPJPE', prefix='3dhp', per_action=False, oracle=True),
    dict(type='PCK3DMetric', prefix='3dhp-pck', joint_indices=None,
         root_index=0,
         per_sequence=False)
]
