# Test-only data: CMU motion capture placed in the Human3.6M studio and
# projected through the real Human3.6M cameras (GT 2D), every 20th frame,
# made with
#   python tools/mocap_to_h36m.py data/cmu_h36m --bvh \
#     ../shared/data/cmu_bvh/*.bvh --camera-subject S8 --split test=CMU01,CMU131 \
#     --cameras ../shared/data/mmpose_samples/h36m/cameras.pkl
# A config trained on another data base swaps its test set for this one
# (the names do not clash with that base's), adding its own pipeline:
#   _base_ = ['./<method config>.py', '../_base_/datasets/cmu_mocap.py']
#   test_dataloader = dict(dataset=dict(
#       _delete_=True, pipeline=_base_.test_pipeline,
#       **_base_.cmu_test_dataset))
#   test_evaluator = _base_.cmu_test_evaluator
cmu_test_dataset = dict(
    type='PoseLiftH36MDataset', data_root='data/cmu_h36m/',
    data_prefix=dict(img='images/'),
    ann_file='annotation_body3d/fps50/h36m_test.npz',
    camera_param_file='annotation_body3d/cameras.pkl', seq_len=1,
    causal=True, keypoint_2d_src='gt', sample_stride=20, test_mode=True)
# CMU trial names are not Human3.6M actions: one plain average
cmu_test_evaluator = dict(type='LiftingMPJPE', prefix='cmu',
                          per_action=False)
