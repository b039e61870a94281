# The paper's stochastic multi-hypothesis sampling (not in the released
# code): every hypothesis starts from the pose model's estimate noised
# independently to step 12 with the GMM-shaped scale (uv sigma / detector
# score), DDIM eta 0; 20 hypotheses, their mean is the prediction and the
# per-joint spread is reported; oracle best-of-20 is in MPJPE(P-Best).
_base_ = ['./diffpose_gcndiff-gcnpose_h36m-mocap_cpu_det2d.py']

model = dict(test_cfg=dict(num_hypotheses=20, start_noise=True,
                           return_hypotheses=True))
test_evaluator = dict(type='LiftingMPJPE', prefix='h36m', oracle=True)
