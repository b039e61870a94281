# Frame DiffPose whose denoiser also trains on detector-like 2D, as the
# original trains on detected 2D: its x0 (targets_uvxyz, GONGJIA0208/
# Diffpose) joins each frame's input 2D, the CPN detections in its CPN
# configs, with the ground-truth xyz, so at test it denoises a noisy uv
# into the 3D that goes with it. The _dntrain config's denoiser sees exact
# 2D in training; everything else is equal here (frozen noise-trained
# GCNPose, strong-noise GMM, schedule, the seed the compared run drew: its
# log in work_dirs/dn/diffpose_gcndiff-gcnpose_h36m-mocap_cpu_dntrain/), the
# last epoch kept.
_base_ = ['./diffpose_gcndiff-gcnpose_h36m-mocap_cpu_dntrain.py']
randomness = dict(seed=907893218)
train_pipeline = [
    dict(type='DetectorNoise2D', preset='strong', prob=0.8),
    dict(type='GenerateTarget', encoder={{_base_.codec}}),
    dict(type='PackPoseInputs', meta_keys={{_base_.meta_keys}})
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
