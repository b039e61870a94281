# The VideoPose3D baseline on S8 with the detector-like noisy 2D.
_base_ = ['./videopose3d_tcn-27frm_h36m-mocap_cpu.py']

test_dataloader = dict(
    dataset=dict(
        keypoint_2d_src='detection',
        keypoint_2d_det_file='joint_2d_det_files/fps50/h36m_val_noisy.npy'))
