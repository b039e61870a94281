# The noise-trained video pose model (mixste-d64l2_h36m-mocap-27f_cpu_dntrain.py)
# with four times its schedule: 8 epochs (8,952 steps of 32 windows) under
# the same cosine decay. Its 2-epoch loss was still falling when the rate
# reached zero (0.082 after epoch 1, 0.065 at the end), so the released video
# model was limited by its updates, not by its size. Same seed, data and
# DetectorNoise2D; the last epoch is the result (no checkpoint choice on a
# reported set). About 38 min wall on 2 CPU cores with no other job.
_base_ = ['./mixste-d64l2_h36m-mocap-27f_cpu_dntrain.py']

train_cfg = dict(by_epoch=True, max_epochs=8, val_interval=1000)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0,
         end=100),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=8,
         eta_min=1e-5, convert_to_iter_based=True)
]
randomness = dict(seed=1070770023)  # the 2-epoch run's seed (its log)
