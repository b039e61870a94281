# The CPU prior with ZeDO's exact test-time optimisation: IPO 500 Adam steps,
# OIL 1000 iterations with the original step rule (score factor 1.0,
# dt = 1/N), and a pinhole camera as the original (its rays ignore the lens
# distortion that the base config removes; Human3.6M's 2D here is distorted,
# so this costs a little accuracy). About 10x slower than the base config's
# fast default.
_base_ = ['./zedo_prior-mlp512_h36m-mocap_cpu.py']

model = dict(
    test_cfg=dict(
        ipo=dict(iters=500),
        oil=dict(iters=1000, mode='original'),
        use_distortion=False))
