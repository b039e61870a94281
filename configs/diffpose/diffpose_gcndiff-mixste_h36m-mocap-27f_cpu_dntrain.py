# Video DiffPose for detector-like 2D: the MixSTE pose model trained on
# DetectorNoise2D 2D (mixste-d64l2_h36m-mocap-27f_cpu_dntrain.py, frozen)
# under the GCNdiff denoiser of the released video model (trained on 3D and
# constant-scale uv noise only, so independent of the pose model). Test: as
# the released video config.
_base_ = ['./diffpose_gcndiff-mixste_h36m-mocap-27f_cpu.py']

model = dict(
    backbone_checkpoint='work_dirs/dn/mixste-d64l2_h36m-mocap-27f_cpu_'
    'dntrain/epoch_2.pth',
    head_checkpoint='checkpoints/diffpose/'
    'diffpose_gcndiff-mixste_h36m-mocap-27f_cpu-f54c7262.pth')
