# Frame DiffPose (CPU) tested on S8 with the detector-like noisy 2D; the
# released frame-CPN setting: steps 12 -> 0 -> -1, clean start, 1 hypothesis.
_base_ = ['./diffpose_gcndiff-gcnpose_h36m-mocap_cpu.py']

test_dataloader = dict(
    dataset=dict(
        keypoint_2d_src='detection',
        keypoint_2d_det_file='joint_2d_det_files/fps50/h36m_val_noisy.npy'))
