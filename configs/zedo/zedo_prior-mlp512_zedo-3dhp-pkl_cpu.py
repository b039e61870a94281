# Zero-shot on MPI-INF-3DHP with ZeDO's own test file (mpii3d_test.pkl:
# Human3.6M-17 joint order, pixel intrinsics per frame; valid frames, every
# 3rd, as ZeDO evaluates). Not available on the CPU machine: put the file at
# data/zedo/mpii3d_test.pkl. ZeDO's 3DHP settings equal its H36M ones; its
# 3DHP clusters came from 3DHP training poses (here: the H36M clusters).
# PCK@150 / AUC over all 17 joints in this order (joint_indices=None,
# root 0), plus MPJPE / P-MPJPE. Data: configs/_base_/datasets/
# zedo_3dhp_pkl.py.
_base_ = [
    './zedo_prior-mlp512_h36m-mocap_cpu.py',
    '../_base_/datasets/zedo_3dhp_pkl.py'
]

test_dataloader = dict(
    dataset=dict(
        _delete_=True, pipeline=_base_.test_pipeline,
        **_base_.zedo_3dhp_test_dataset))
test_evaluator = _base_.zedo_3dhp_test_evaluator
