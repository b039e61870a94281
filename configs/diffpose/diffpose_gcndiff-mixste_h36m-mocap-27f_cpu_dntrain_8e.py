# diffpose_gcndiff-mixste_h36m-mocap-27f_cpu_dntrain.py with the MixSTE
# trained four times longer (mixste-d64l2_h36m-mocap-27f_cpu_dntrain_8e.py,
# 8 epochs, frozen) under the same released video head.
_base_ = ['./diffpose_gcndiff-mixste_h36m-mocap-27f_cpu_dntrain.py']

model = dict(backbone_checkpoint='work_dirs/v8/mixste8e/epoch_8.pth')
