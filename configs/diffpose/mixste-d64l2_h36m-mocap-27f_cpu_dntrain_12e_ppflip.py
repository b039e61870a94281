# The released 12-epoch mirrored MixSTE (mixste-d64l2_h36m-mocap-27f_cpu_
# dntrain_12e_flip.py, same seed and schedule) with the exact mirror about
# each camera's principal point (MirrorAboutPrincipalPoint), which at 8
# epochs kept the centre flip's gain on the training subjects (50.5 against
# 50.6) and halved its loss on CMU (76.5 against 78.6 on GT 2D; 74.6
# unmirrored): docs/benchmarks.md, session 9. Trained in session 10 (3,133 s
# on 2 CPU cores): level with the centre flip on the training subjects (46.7
# against 46.6), 0.5 mm better on CMU GT (78.5 against 79.0); not released
# (docs/benchmarks.md, "The exact mirror at 12 epochs").
_base_ = ['./mixste-d64l2_h36m-mocap-27f_cpu_dntrain_12e_flip.py']

train_pipeline = [
    dict(type='DetectorNoise2D', preset='strong', prob=0.8),
    dict(type='GenerateTarget', encoder={{_base_.codec}}),
    dict(type='MirrorAboutPrincipalPoint', prob=0.5),
    dict(type='PackPoseInputs', meta_keys={{_base_.meta_keys}})
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
