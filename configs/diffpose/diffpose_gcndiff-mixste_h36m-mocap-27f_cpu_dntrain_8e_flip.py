# diffpose_gcndiff-mixste_h36m-mocap-27f_cpu_dntrain_8e.py with the MixSTE
# of mixste-d64l2_h36m-mocap-27f_cpu_dntrain_8e_flip.py (mirror
# augmentation, 8 epochs, frozen) under the same released video head.
_base_ = ['./diffpose_gcndiff-mixste_h36m-mocap-27f_cpu_dntrain_8e.py']

model = dict(backbone_checkpoint='work_dirs/v9/mixste8f/epoch_8.pth')
