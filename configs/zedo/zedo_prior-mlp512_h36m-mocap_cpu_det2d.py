# The CPU prior evaluated on S8 with detector-like noisy 2D (the
# keypoint_2d_det_file tools/mocap_to_h36m.py writes: jitter, outliers,
# dropped joints with low scores). Same checkpoint as the base config.
_base_ = ['./zedo_prior-mlp512_h36m-mocap_cpu.py']

test_dataloader = dict(
    dataset=dict(
        keypoint_2d_src='detection',
        keypoint_2d_det_file='joint_2d_det_files/fps50/h36m_val_noisy.npy'))
