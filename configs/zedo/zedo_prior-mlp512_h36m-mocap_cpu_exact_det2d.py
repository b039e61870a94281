# ZeDO's exact optimisation on S8 with the detector-like noisy 2D.
_base_ = ['./zedo_prior-mlp512_h36m-mocap_cpu_exact.py']

test_dataloader = dict(
    dataset=dict(
        keypoint_2d_src='detection',
        keypoint_2d_det_file='joint_2d_det_files/fps50/h36m_val_noisy.npy'))
