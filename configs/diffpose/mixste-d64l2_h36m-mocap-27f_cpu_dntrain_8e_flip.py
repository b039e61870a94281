# mixste-d64l2_h36m-mocap-27f_cpu_dntrain_12e_flip.py (mirror augmentation)
# on the 8-epoch schedule of mixste-d64l2_h36m-mocap-27f_cpu_dntrain_8e.py:
# the ablation that separates the mirroring from the longer schedule.
_base_ = ['./mixste-d64l2_h36m-mocap-27f_cpu_dntrain_12e_flip.py']

train_cfg = dict(by_epoch=True, max_epochs=8, val_interval=1000)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0,
         end=100),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=8,
         eta_min=1e-5, convert_to_iter_based=True)
]
