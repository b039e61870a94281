# The original DiffPose data files (VideoPose3D layout; not available on
# the CPU machine, for GPU users): data_3d_h36m.npz + the 2D files, cameras
# from MMPose's Human3.6M cameras.pkl. Train S1 S5 S6 S7 S8 on the GT-2D
# GMM file, test S9 and S11 on the CPN-2D GMM file. Loaders and evaluators
# as h36m_mocap.py.
_base_ = ['./h36m_mocap.py']

dataset_type = 'VideoPose3DH36MDataset'
data_root = 'data/h36m_videopose3d/'
vp3d_common = dict(
    type=dataset_type, data_root=data_root,
    ann_file='data_3d_h36m.npz',
    camera_param_file='annotation_body3d/cameras.pkl', seq_len=1,
    causal=True, data_prefix=dict(img='images/'))
train_dataloader = dict(
    dataset=dict(
        _delete_=True, subjects=['S1', 'S5', 'S6', 'S7', 'S8'],
        keypoint_2d_file='data_2d_h36m_gt_gmm.npz', **vp3d_common))
val_dataloader = dict(
    dataset=dict(
        _delete_=True, subjects=['S9', 'S11'], test_mode=True,
        keypoint_2d_file='data_2d_h36m_cpn_ft_h36m_dbb_gmm.npz',
        **vp3d_common))
test_dataloader = val_dataloader
