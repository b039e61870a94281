# The CPU prior with ZeDO's exact test-time optimisation: IPO 500 Adam steps,
# OIL 1000 iterations with the original step rule (score factor 1.0,
# dt = 1/N). About 10x slower than the base config's fast default.
_base_ = ['./zedo_prior-mlp512_h36m-mocap_cpu.py']

model = dict(
    test_cfg=dict(
        ipo=dict(iters=500),
        oil=dict(iters=1000, mode='original')))
