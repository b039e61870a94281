# diffpose_gcndiff-mixste_h36m-mocap-27f_cpu_dntrain_8e.py with the MixSTE
# of mixste-d64l2_h36m-mocap-27f_cpu_dntrain_8e_ppflip.py (mirrored about
# the principal point, frozen) under the same released video head.
_base_ = ['./diffpose_gcndiff-mixste_h36m-mocap-27f_cpu_dntrain_8e.py']

model = dict(backbone_checkpoint='work_dirs/v10/mixste8pp/epoch_8.pth')
