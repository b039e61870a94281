# mixste-d64l2_h36m-mocap-27f_cpu_dntrain_8e_flip.py (the 8-epoch mirrored
# ablation, same seed and schedule) with the exact mirror through the same
# camera: the 2D about each camera's principal point
# (MirrorAboutPrincipalPoint) instead of about the image centre
# (RandomFlipAroundRoot, centre u = 0), whose mirrored windows belong to a
# camera with a mirrored principal point, 18-40 px from Human3.6M's. It
# tests whether that is why mirroring costs 4 mm on CMU
# (docs/benchmarks.md, "Mirrored training windows"); trained in session 9
# (2,120 s), results in docs/benchmarks.md, session 9.
_base_ = ['./mixste-d64l2_h36m-mocap-27f_cpu_dntrain_8e_flip.py']

train_pipeline = [
    dict(type='DetectorNoise2D', preset='strong', prob=0.8),
    dict(type='GenerateTarget', encoder={{_base_.codec}}),
    dict(type='MirrorAboutPrincipalPoint', prob=0.5),
    dict(type='PackPoseInputs', meta_keys={{_base_.meta_keys}})
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
