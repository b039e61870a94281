# The video pose model of the released video DiffPose (MixSTE, 27 frames,
# dim 64, depth 2) trained on detector-like 2D (DetectorNoise2D 'strong' on
# 80 % of the windows, its jitter correlated over each window). Same
# schedule and CPU budget as mixste-d64l2_h36m-mocap-27f_cpu.py; the last
# epoch is the result (no checkpoint choice on S8).
_base_ = ['./mixste-d64l2_h36m-mocap-27f_cpu.py']

train_cfg = dict(val_interval=1000)
default_hooks = dict(checkpoint=dict(
    _delete_=True, type='CheckpointHook', interval=1, max_keep_ckpts=1))
train_pipeline = [
    dict(type='DetectorNoise2D', preset='strong', prob=0.8),
    dict(type='GenerateTarget', encoder={{_base_.codec}}),
    dict(type='PackPoseInputs', meta_keys={{_base_.meta_keys}})
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
