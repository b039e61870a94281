# MMPose peer simplebaseline3d trained on the same detector-like 2D as the
# DiffPose pose models (DetectorNoise2D 'strong' on 80 % of the samples),
# with its own schedule and CPU budget (simplebaseline3d_h36m-mocap_cpu.py); the last epoch is the
# result (no checkpoint choice on S8).
_base_ = ['./simplebaseline3d_h36m-mocap_cpu.py']

train_cfg = dict(val_interval=1000)
default_hooks = dict(checkpoint=dict(
    _delete_=True, type='CheckpointHook', interval=1, max_keep_ckpts=1))
# the base's merged ``codec`` also holds the VideoPose3D base's keys; its
# model's decoder is the exact ImagePoseLifting codec
train_pipeline = [
    dict(type='DetectorNoise2D', preset='strong', prob=0.8),
    dict(type='GenerateTarget', encoder={{_base_.model.head.decoder}}),
    dict(type='PackPoseInputs', meta_keys={{_base_.meta_keys}})
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
