# Cross-dataset: the CPU prior trained on Human3.6M motion (base config),
# tested zero-shot on CMU motion capture placed in the Human3.6M studio and
# projected through the real Human3.6M cameras (GT 2D); data:
# configs/_base_/datasets/cmu_mocap.py (how to make it: there).
_base_ = [
    './zedo_prior-mlp512_h36m-mocap_cpu.py',
    '../_base_/datasets/cmu_mocap.py'
]

test_dataloader = dict(
    dataset=dict(
        _delete_=True, pipeline=_base_.test_pipeline,
        **_base_.cmu_test_dataset))
# + the oracle best-of-S over the hypotheses, as the base config
test_evaluator = dict(_base_.cmu_test_evaluator, oracle=True)
