# mixste-d64l2_h36m-mocap-27f_cpu_dntrain.py on root-centred 2D
# (keypoint_space='root', the input ablation's winner for the frame pose
# model, docs/benchmarks.md): the same data, DetectorNoise2D, schedule (2
# epochs of 27-frame windows) and seed as the compared run (its log in
# work_dirs/dn/mixste-d64l2_h36m-mocap-27f_cpu_dntrain/); the last epoch
# kept. A long run: continue it with tools/train.py ... --resume.
_base_ = ['./mixste-d64l2_h36m-mocap-27f_cpu_dntrain.py']
randomness = dict(seed=1070770023)

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
model = dict(head=dict(decoder=codec))
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
