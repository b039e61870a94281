# diffpose-dn-conf (diffpose_gcndiff-gcnpose_h36m-mocap_cpu_dnhead_root2d_conf.py)
# on the pose model trained four times longer
# (gcnpose_h36m-mocap_cpu_dntrain_root2d_4e.py, frozen); the score-reading
# denoiser is trained on it with the same schedule and seed.
_base_ = ['./diffpose_gcndiff-gcnpose_h36m-mocap_cpu_dnhead_root2d_conf.py']
model = dict(backbone_checkpoint='work_dirs/v8/gcnpose4e/epoch_4.pth')
# One DDIM step from t = 0 (as the video head runs), not 12 -> 0: chosen on
# the training subjects with strong 2D among (0,), (0, 3), (0, 6), (0, 12)
# (62.1, 62.4, 63.2, 65.6 mm; docs/benchmarks.md, session 7). The stronger
# pose model leaves the 760-step denoiser less to correct.
model = dict(test_cfg=dict(timesteps=(0, )))
