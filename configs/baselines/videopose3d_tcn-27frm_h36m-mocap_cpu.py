# Baseline for the video DiffPose results: MMPose's own VideoPose3D (TCN,
# 27-frame receptive field, 1024 channels, stride convolutions; MMPose's
# video-pose-lift_tcn-27frm-supv config) on the same mocap-derived data,
# trained here for the same CPU wall-clock budget as the video model's pose
# model (see configs/diffpose/README.md). Predicts the centre frame.
# Data: configs/_base_/datasets/h36m_mocap.py (S8 tested every 20th frame,
# as the frame DiffPose configs).
_base_ = ['../_base_/datasets/h36m_mocap.py']

train_cfg = dict(by_epoch=True, max_epochs=1, val_interval=1)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3),
                     clip_grad=dict(max_norm=1.))
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=1,
         eta_min=1e-5, convert_to_iter_based=True)
]
auto_scale_lr = dict(base_batch_size=128)
codec = dict(type='VideoPoseLifting', num_keypoints=17, zero_center=True,
             root_index=0, remove_root=False)
model = dict(
    type='PoseLifter',
    backbone=dict(type='TCN', in_channels=2 * 17, stem_channels=1024,
                  num_blocks=2, kernel_sizes=(3, 3, 3), dropout=0.25,
                  use_stride_conv=True),
    head=dict(type='TemporalRegressionHead', in_channels=1024,
              num_joints=17, loss=dict(type='MPJPELoss'), decoder=codec))
meta_keys = ('id', 'category_id', 'target_img_path', 'flip_indices',
             'target_root')
train_pipeline = [
    dict(type='RandomFlipAroundRoot', keypoints_flip_cfg=dict(),
         target_flip_cfg=dict()),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs', meta_keys=meta_keys)
]
val_pipeline = [
    dict(type='ValidateKeypoints', num_keypoints=17),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs', meta_keys=meta_keys)
]
# the data base's settings, with centred 27-frame windows (padded at the
# sequence ends)
dataset_common = dict(seq_len=27, causal=False, pad_video_seq=True)
train_dataloader = dict(
    batch_size=128,
    dataset=dict(pipeline=train_pipeline, **dataset_common))
val_dataloader = dict(
    batch_size=512,
    dataset=dict(pipeline=val_pipeline, **dataset_common))
test_dataloader = val_dataloader
