# diffpose_gcndiff-mixste_h36m-mocap-27f_cpu_dntrain_8e.py with the MixSTE
# trained 12 epochs with the original's mirror augmentation
# (mixste-d64l2_h36m-mocap-27f_cpu_dntrain_12e_flip.py, frozen) under the
# same released video head.
_base_ = ['./diffpose_gcndiff-mixste_h36m-mocap-27f_cpu_dntrain_8e.py']

model = dict(backbone_checkpoint='work_dirs/v9/mixste12f/epoch_12.pth')
