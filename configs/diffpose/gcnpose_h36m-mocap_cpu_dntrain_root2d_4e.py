# The pose model of diffpose-dn-root / diffpose-dn-conf
# (gcnpose_h36m-mocap_cpu_dntrain_root2d.py) with four times its schedule:
# 4 epochs (~3,040 steps of 256 frames) under the same cosine decay, same
# seed, data and DetectorNoise2D. The noise-trained MixSTE gained 12 mm on
# S8 from 4x its schedule (docs/benchmarks.md, session 7); this asks the
# same of the frame model. The last epoch is the result.
_base_ = ['./gcnpose_h36m-mocap_cpu_dntrain_root2d.py']

train_cfg = dict(by_epoch=True, max_epochs=4, val_interval=1000)
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=4,
         eta_min=1e-5, convert_to_iter_based=True)
]
default_hooks = dict(checkpoint=dict(
    _delete_=True, type='CheckpointHook', interval=1, max_keep_ckpts=1))
