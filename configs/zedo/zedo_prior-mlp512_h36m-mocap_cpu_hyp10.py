# The CPU prior with 10 hypotheses (the 10 most populated of 50 K-means
# clusters): reports the deployable aggregate ('h36m/MPJPE': lowest
# reprojection error; MPJPE(mean), MPJPE(J-Agg)) and the oracle best-of-S
# (MPJPE(P-Best), MPJPE(J-Best)) separately.
_base_ = ['./zedo_prior-mlp512_h36m-mocap_cpu.py']

model = dict(init_poses=dict(num=10))
