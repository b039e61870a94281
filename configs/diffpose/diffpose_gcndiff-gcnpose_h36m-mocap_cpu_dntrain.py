# Frame DiffPose for detector-like 2D. Pose model: GCNPose trained on
# DetectorNoise2D 2D (gcnpose_h36m-mocap_cpu_dntrain.py), frozen. Denoiser:
# GCNdiff trained as in the released frame config, but its forward process
# takes each joint's 2D error mixture from the same detector-like noise
# (DetectorNoise2D 'strong' on the training subjects, fitted by
#   python tools/make_noisy_2d.py data/h36m_mocap/annotation_body3d/fps50/h36m_train.npz \
#       data/h36m_mocap/joint_2d_det_files/fps50/h36m_train_det_strong.npy --preset strong --seed 1 \
#       --cameras data/h36m_mocap/annotation_body3d/cameras.pkl
#   python tools/fit_gmm.py data/h36m_mocap/annotation_body3d/fps50/h36m_train.npz \
#       data/h36m_mocap/joint_2d_det_files/fps50/h36m_train_det_strong.npy \
#       checkpoints/diffpose/h36m-mocap_det-strong_gmm3.npz --components 3 --max-rows 200000 \
#       --camera-param-file data/h36m_mocap/annotation_body3d/cameras.pkl
# ), so the denoiser learns the 2D errors it meets at test. Same schedule and
# budget as the released head; the last epoch is the result (no checkpoint
# choice on S8).
_base_ = ['./diffpose_gcndiff-gcnpose_h36m-mocap_cpu.py']

model = dict(
    backbone_checkpoint='work_dirs/dn/gcnpose_h36m-mocap_cpu_dntrain/'
    'epoch_1.pth',
    head=dict(gmm=dict(
        path='checkpoints/diffpose/h36m-mocap_det-strong_gmm3.npz')))
train_cfg = dict(val_interval=1000)
default_hooks = dict(checkpoint=dict(
    _delete_=True, type='CheckpointHook', interval=1, max_keep_ckpts=1))
