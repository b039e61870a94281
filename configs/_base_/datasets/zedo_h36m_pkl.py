# Test-only data: Human3.6M in ZeDO's own files (ipl-uw/ZeDO-Release
# lib/dataset/h36m.py): h36m_test.pkl (S9 S11 frames: camera-frame mm, the
# GT 2D as undistorted pinhole pixels, intrinsics per frame) and
# h36m_sh_dt_ft.pkl (fine-tuned Stacked Hourglass 2D with confidences,
# rows aligned with h36m_test.pkl; used without ZeDO's --gt), every 640th
# frame (886 frames) as ZeDO evaluates (ZeDO.sample = 640). Not available on
# the CPU machine: put the files at data/zedo/ and ZeDO's start poses at
# data/zedo/clusters/h36m_cluster{S}.npy. Used as cmu_mocap.py is:
#   test_dataloader = dict(dataset=dict(
#       _delete_=True, pipeline=_base_.test_pipeline,
#       **_base_.zedo_h36m_test_dataset))
zedo_h36m_test_dataset = dict(
    type='ZeDOPklDataset', layout='h36m', data_root='data/zedo/',
    ann_file='h36m_test.pkl', sample_interval=640, keypoint_2d_src='gt',
    test_mode=True)
# ZeDO's 2D detections instead of the GT 2D
zedo_h36m_det_test_dataset = dict(
    zedo_h36m_test_dataset, keypoint_2d_src='detection',
    keypoint_2d_det_file='h36m_sh_dt_ft.pkl')
# ZeDO's per-S start poses ({num}: the number of hypotheses)
zedo_h36m_clusters = 'data/zedo/clusters/h36m_cluster{num}.npy'
# ZeDO's eval_multi: per frame the minimum over the S hypotheses of the
# un-rooted pose's error (MPJPE(P-Best)) and of the P-MPJPE with
# reflections allowed (P-MPJPE(P-Best)); the mean of the 15 action means
zedo_h36m_test_evaluator = dict(
    type='LiftingMPJPE', prefix='h36m', modes=('mpjpe', 'p-mpjpe'),
    allow_reflection=True, oracle=True, hypotheses_protocol='zedo')
