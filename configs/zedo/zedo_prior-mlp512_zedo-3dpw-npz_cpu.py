# Zero-shot on 3DPW with ZeDO's own test file (pw3d_test.npz; 2D = the
# projection of the GT 3D, per-frame intrinsics), every 35th frame as ZeDO
# evaluates; ZeDO's 3DPW settings: all 17 joints in IPO, depth 8 m, scale
# clamp [0.2, 2]. Not available on the CPU machine: put the file at
# data/zedo/pw3d_test.npz. Data: configs/_base_/datasets/zedo_3dpw_npz.py.
_base_ = [
    './zedo_prior-mlp512_h36m-mocap_cpu.py',
    '../_base_/datasets/zedo_3dpw_npz.py'
]

model = dict(
    test_cfg=dict(
        ipo=dict(joints=tuple(range(17)), depth=8., scale_range=(0.2, 2.))))
test_dataloader = dict(
    dataset=dict(
        _delete_=True, pipeline=_base_.test_pipeline,
        **_base_.zedo_3dpw_test_dataset))
test_evaluator = _base_.zedo_3dpw_test_evaluator
