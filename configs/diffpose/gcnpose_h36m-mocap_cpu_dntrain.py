# The frame pose model (GCNPose) trained on detector-like 2D: every
# training sample goes through DetectorNoise2D (preset 'strong', 80 % of the
# samples; poselift_mm/datasets/transforms/detector_noise.py) before the
# codec. Same schedule and CPU budget as gcnpose_h36m-mocap_cpu.py. No
# validation while training and no best-checkpoint choice: the last epoch is
# the result (S8, the reported set, never picks a checkpoint).
_base_ = ['./gcnpose_h36m-mocap_cpu.py']

train_cfg = dict(val_interval=1000)
default_hooks = dict(checkpoint=dict(
    _delete_=True, type='CheckpointHook', interval=1, max_keep_ckpts=1))
train_pipeline = [
    dict(type='DetectorNoise2D', preset='strong', prob=0.8),
    dict(type='GenerateTarget', encoder={{_base_.codec}}),
    dict(type='PackPoseInputs', meta_keys={{_base_.meta_keys}})
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
