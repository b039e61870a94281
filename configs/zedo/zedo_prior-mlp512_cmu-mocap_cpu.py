# Cross-dataset: the CPU prior trained on Human3.6M motion (base config),
# tested zero-shot on CMU motion capture placed in the Human3.6M studio and
# projected through the real Human3.6M cameras (GT 2D), data made with
#   python tools/mocap_to_h36m.py data/cmu_h36m --bvh \
#     ../shared/data/cmu_bvh/*.bvh --camera-subject S8 --split test=CMU01,CMU131 \
#     --cameras ../shared/data/mmpose_samples/h36m/cameras.pkl
_base_ = ['./zedo_prior-mlp512_h36m-mocap_cpu.py']

test_dataloader = dict(
    dataset=dict(
        data_root='data/cmu_h36m/',
        ann_file='annotation_body3d/fps50/h36m_test.npz',
        sample_stride=20))
# CMU trial names are not Human3.6M actions: one plain average
test_evaluator = dict(type='LiftingMPJPE', prefix='cmu', oracle=True,
                      per_action=False)
