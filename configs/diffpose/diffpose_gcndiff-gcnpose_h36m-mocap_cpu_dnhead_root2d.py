# diffpose_gcndiff-gcnpose_h36m-mocap_cpu_dnhead.py on root-centred 2D
# (keypoint_space='root', the input ablation's winner for the pose model,
# docs/benchmarks.md): its pose model is
# gcnpose_h36m-mocap_cpu_dntrain_root2d.py, frozen; the denoiser trains on
# detector-like 2D in the same space. Same schedule and seed as the
# screen-space run; the last epoch kept.
_base_ = ['./diffpose_gcndiff-gcnpose_h36m-mocap_cpu_dnhead.py']
codec = dict(type='ScreenPoseLifting', num_keypoints=17, zero_center=True,
             root_index=0, remove_root=False, reshape_keypoints=False,
             keypoint_space='root')
train_pipeline = [
    dict(type='DetectorNoise2D', preset='strong', prob=0.8),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs', meta_keys={{_base_.meta_keys}})
]
test_pipeline = [
    dict(type='ValidateKeypoints', num_keypoints=17),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs', meta_keys={{_base_.meta_keys}})
]
model = dict(backbone_checkpoint='work_dirs/abl/gcnpose_root2d/epoch_1.pth',
             head=dict(decoder=codec))
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
