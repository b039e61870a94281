# Peer for the frame-based DiffPose results: MMPose's 1-frame VideoPose3D
# (TCN with 1x1 kernels, 4 blocks, 1024 channels; MMPose's
# video-pose-lift_tcn-1frm-supv-cpn-ft config) on the same mocap-derived
# data as configs/diffpose, trained for the same CPU wall-clock budget as
# the 27-frame peer (about 600 s here; docs/benchmarks.md). Everything else
# as the 27-frame peer.
_base_ = ['./videopose3d_tcn-27frm_h36m-mocap_cpu.py']

train_cfg = dict(max_epochs=2, val_interval=2)
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=2,
         eta_min=1e-5, convert_to_iter_based=True)
]
model = dict(backbone=dict(num_blocks=4, kernel_sizes=(1, 1, 1, 1, 1)))
single_frame = dict(seq_len=1, causal=True, pad_video_seq=False)
train_dataloader = dict(dataset=single_frame)
val_dataloader = dict(dataset=single_frame)
test_dataloader = val_dataloader
