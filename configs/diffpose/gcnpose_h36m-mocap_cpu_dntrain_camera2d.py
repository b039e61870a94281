# Input ablation (issue 15, item 4): gcnpose_h36m-mocap_cpu_dntrain.py with
# the 2D in another space, everything else equal (data, DetectorNoise2D,
# schedule, seed, the last epoch kept). The released pose model sees screen
# units u = 2x/w - 1, v = 2y/w - h/w (the image position kept); here
# keypoint_space='camera' (poselift_mm/codecs/screen_lifting.py):
# (x - c) / f, the normalised image plane (intrinsics from the data's
# cameras; without them a pinhole with f = the image diagonal).
_base_ = ['./gcnpose_h36m-mocap_cpu_dntrain.py']
# the seed the compared run drew (its log: work_dirs/dn/gcnpose_h36m-mocap_
# cpu_dntrain/*/*.log), so weights, batches and noise start alike
randomness = dict(seed=232403238)
keypoint_space = 'camera'

codec = dict(type='ScreenPoseLifting', num_keypoints=17, zero_center=True,
             root_index=0, remove_root=False, reshape_keypoints=False,
             keypoint_space=keypoint_space)
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
