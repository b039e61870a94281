# The frame pose model alone on the noisy 2D (the diffusion's initialiser).
_base_ = ['./gcnpose_h36m-mocap_cpu.py']

test_dataloader = dict(
    dataset=dict(
        keypoint_2d_src='detection',
        keypoint_2d_det_file='joint_2d_det_files/fps50/h36m_val_noisy.npy'))
