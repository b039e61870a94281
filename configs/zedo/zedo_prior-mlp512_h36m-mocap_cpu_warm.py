# ZeDO on video (beyond the original, which fits every frame on its own):
# the released prior, windows of 27 frames of one track; the first frame of
# a window is fitted by IPO + OIL as in the per-frame default, every next
# frame by 10 OIL steps from t = 0.05 started at the previous frame's
# solution (ScoreHead.warm_start). The settings were fixed before measuring
# (no search); docs/benchmarks.md compares speed and accuracy with the
# per-frame default. tools/lift.py / lift_keypoints use the windows.
_base_ = ['./zedo_prior-mlp512_h36m-mocap_cpu.py']

model = dict(num_frames=27,
             test_cfg=dict(warm_start=dict(iters=10, t_start=0.05)))
