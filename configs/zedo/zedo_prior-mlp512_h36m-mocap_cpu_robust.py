# ZeDO's released CPU model for detector 2D: the same prior and fast
# optimisation as zedo_prior-mlp512_h36m-mocap_cpu.py, but each OIL
# iteration moves a joint only confidence**1 of the way onto its camera ray
# (test_cfg.oil.snap_power, poselift_mm.diffusion.zedo_optim.snap_fractions),
# so an unreliable 2D joint is pulled gently and the prior places it. With
# exact 2D (confidence 1) it equals the released config. The power was
# chosen among None / 0.5 / 1 / 2 / 4 on the training subjects with strong
# detector-like 2D (docs/benchmarks.md, "ZeDO on noisy 2D").
_base_ = ['./zedo_prior-mlp512_h36m-mocap_cpu.py']

model = dict(test_cfg=dict(oil=dict(snap_power=1.)))
