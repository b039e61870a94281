# DiffPose's codec and pipelines: ScreenPoseLifting (MMPose's
# VideoPoseLifting: u = 2x/w - 1, v = 2y/w - h/w, DiffPose's screen
# normalisation; root-relative metres; the 2D confidences and, when the data
# has them, the per-frame 2D mixtures packed for the model). A method config
# lists this beside its data base and writes
#   head=dict(..., decoder={{_base_.codec}})
#   train_dataloader = dict(dataset=dict(pipeline={{_base_.train_pipeline}}))
codec = dict(type='ScreenPoseLifting', num_keypoints=17, zero_center=True,
             root_index=0, remove_root=False, reshape_keypoints=False)
meta_keys = ('id', 'category_id', 'target_img_path', 'flip_indices',
             'target_root', 'camera_param')
train_pipeline = [
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs', meta_keys=meta_keys)
]
test_pipeline = [
    dict(type='ValidateKeypoints', num_keypoints=17),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs', meta_keys=meta_keys)
]
