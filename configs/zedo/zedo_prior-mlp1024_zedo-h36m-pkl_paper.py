# ZeDO's own Human3.6M evaluation (ipl-uw/ZeDO-Release run/opt_main.py with
# configs/optim/concat_pose_optimization_h36m.py): the paper-size prior
# (converted checkpoint_1500.pth: tools/convert_checkpoint.py zedo SRC DST
# --prefix head.denoiser. --trust-checkpoint), IPO 500 + OIL 1000 with the
# original step rule, a pinhole camera, every 640th test frame of ZeDO's
# h36m_test.pkl, GT 2D (ZeDO's --gt; its detections: test_dataloader.dataset
# = _base_.zedo_h36m_det_test_dataset), and ZeDO's metrics: the oracle
# minimum over the hypotheses of the un-rooted pose's error. Start poses:
# ZeDO's per-S files, set on the command line since they are not shipped
# (--cfg-options model.init_poses.file=data/zedo/clusters/h36m_cluster{num}.npy
# model.init_poses.num=S; S = 1 or 50 as released). Commands and what
# differs from the original: docs/zedo.md, paper protocol.
_base_ = [
    './zedo_prior-mlp1024_h36m-mocap_paper.py',
    '../_base_/datasets/zedo_h36m_pkl.py'
]

test_dataloader = dict(
    batch_size=128,
    dataset=dict(
        _delete_=True, pipeline=_base_.test_pipeline,
        **_base_.zedo_h36m_test_dataset))
test_evaluator = _base_.zedo_h36m_test_evaluator
