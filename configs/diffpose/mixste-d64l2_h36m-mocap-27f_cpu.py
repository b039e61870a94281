# Step 1 of video DiffPose on CPU, the size that converges in the CPU
# budget: MixSTE with 27 frames, dim 64, depth 2, 4 heads (the d128 depth-4
# variant, mixste-d128l4_*, reached only 126.9 mm MPJPE after 560 steps
# (19 min): too few updates). All non-overlapping training windows, 2
# epochs (~2,250 steps of 32 windows), no drop-path / weight decay.
_base_ = ['./mixste-d128l4_h36m-mocap-27f_cpu.py']

model = dict(
    backbone=dict(embed_dim=64, depth=2, num_heads=4, drop_path_rate=0.))
train_cfg = dict(by_epoch=True, max_epochs=2, val_interval=2)
optim_wrapper = dict(optimizer=dict(type='AdamW', lr=2e-3, weight_decay=0.01))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0,
         end=100),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=2,
         eta_min=1e-5, convert_to_iter_based=True)
]
train_dataloader = dict(dataset=dict(sample_stride=1))
