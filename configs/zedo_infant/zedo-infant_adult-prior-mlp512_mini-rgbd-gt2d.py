# The infant lifter on MINI-RGBD's test sequences (11, 12), GT 2D, with
# ZeDO's MINI-RGBD optimisation settings (ipl-uw/ZeDO-Release
# configs/optim/concat_pose_optimization_mini.py: IPO on all 17 joints,
# depth scale in [0, 4] x 1 m; the rest as SyRIP's). Data not available
# here (configs/_base_/datasets/mini_rgbd.py); not run. Another prior:
#   python tools/test.py THIS_CONFIG CKPT \
#       --cfg-options model.head.denoiser.type=ZeDOControlMLP  (control)
# ZeDO's start pose for MINI-RGBD (mini_cluster_1.npy) is not released.
_base_ = [
    './zedo-infant_adult-prior-mlp512_syrip-gt2d.py',
    '../_base_/datasets/mini_rgbd.py'
]

model = dict(
    test_cfg=dict(
        ipo=dict(joints=tuple(range(17)), scale_range=(0., 4.))))
test_dataloader = dict(
    dataset=dict(
        _delete_=True, pipeline=_base_.test_pipeline,
        **_base_.mini_rgbd_test_dataset))
test_evaluator = dict(_delete_=True, **_base_.mini_rgbd_test_evaluator)
