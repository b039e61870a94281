# diffpose_gcndiff-gcnpose_h36m-mocap_cpu_dnhead_root2d.py (diffpose-dn-root)
# with a denoiser that also reads each joint's detector score
# (GCNdiff(cond_channels=1): the score is a sixth input channel, never
# noised). The pose model (GCNPose) sees only the 2D, so the score is what
# the head knows and the pose model does not: DetectorNoise2D's scores fall
# with the joint's error, as a detector's do (poselift_mm/datasets/noise2d.py).
# Everything else is equal: the frozen root-centred GCNPose, the strong-noise
# GMM, 760 steps of 256 frames, the seed; the last epoch kept.
_base_ = ['./diffpose_gcndiff-gcnpose_h36m-mocap_cpu_dnhead_root2d.py']
model = dict(head=dict(denoiser=dict(cond_channels=1)))
