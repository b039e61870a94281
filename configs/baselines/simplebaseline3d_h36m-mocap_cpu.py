# Peer for the frame-based DiffPose results: MMPose's SimpleBaseline3D
# (Martinez et al. 2017; MMPose's image-pose-lift_tcn_8xb64-200e_h36m config:
# a TCN with 1x1 kernels, 2 residual blocks of 1024 channels, dropout 0.5,
# ImagePoseLifting with z-score normalised inputs and root-removed targets)
# on the same mocap-derived data as configs/diffpose, trained for the same
# CPU wall-clock budget as the VideoPose3D peers (about 600 s here;
# docs/benchmarks.md).
_base_ = ['./videopose3d_tcn-27frm_h36m-mocap_cpu.py']

train_cfg = dict(max_epochs=3, val_interval=3)
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=3,
         eta_min=1e-5, convert_to_iter_based=True)
]
auto_scale_lr = dict(base_batch_size=256)

# Normalisation statistics of this training set (S1 S5 S6 S7, every 5th
# frame), the counterpart of MMPose's joint3d_rel_stats.pkl and
# joint2d_stats.pkl; printed by
#   python tools/lifting_stats.py data/h36m_mocap --sample-stride 5
target_mean = [[3.0529e-05, -0.00689116, -0.00159047], [-0.00431169, 0.322889, 0.0723854], [-0.00949301, 0.706903, 0.158732], [-3.0529e-05, 0.00689117, 0.00159047], [-0.00423527, 0.327177, 0.0734706], [-0.00953186, 0.721375, 0.162097], [0.00274799, -0.206178, -0.046402], [0.00575858, -0.431922, -0.0971647], [0.00659277, -0.492026, -0.110758], [0.00776962, -0.58048, -0.130619], [0.00506049, -0.375519, -0.0844275], [0.00256686, -0.178263, -0.0400165], [0.00170652, -0.11064, -0.0249773], [0.00496353, -0.377235, -0.0849053], [0.00244068, -0.192058, -0.0433199], [0.00229004, -0.169931, -0.0384233]]
target_std = [[0.0934709, 0.0254567, 0.090777], [0.188664, 0.169516, 0.176459], [0.218177, 0.22099, 0.208981], [0.093471, 0.0254568, 0.0907771], [0.190395, 0.182675, 0.186906], [0.218507, 0.228002, 0.208507], [0.0638847, 0.0442003, 0.061697], [0.11542, 0.0921507, 0.113253], [0.14459, 0.120404, 0.141168], [0.145988, 0.118591, 0.14228], [0.143542, 0.0875963, 0.139241], [0.22265, 0.128433, 0.215256], [0.240601, 0.219073, 0.236653], [0.141773, 0.0937681, 0.141735], [0.225247, 0.148555, 0.221602], [0.257482, 0.245684, 0.246043]]
keypoints_mean = [[533.714, 415.166], [533.705, 413.822], [532.233, 489.453], [530.803, 574.2], [533.763, 416.625], [532.289, 490.024], [530.775, 576.862], [534.497, 367.352], [535.395, 314.304], [535.581, 300.043], [535.967, 279.003], [535.251, 327.574], [534.463, 373.865], [534.059, 389.533], [535.15, 327.376], [534.379, 371.135], [534.145, 376.161]]
keypoints_std = [[113.335, 57.356], [122.496, 58.1506], [126.531, 49.958], [126.961, 54.9398], [107.847, 56.9625], [115.855, 47.9629], [118.399, 53.7896], [114.981, 60.8716], [117.76, 66.3934], [118.793, 69.9014], [120.188, 70.7721], [112.203, 64.7922], [114.178, 66.8524], [117.916, 78.3739], [126.149, 65.8794], [136.612, 71.4625], [137.354, 85.6335]]
codec = dict(type='ImagePoseLifting', num_keypoints=17, root_index=0,
             remove_root=True, target_mean=target_mean,
             target_std=target_std, keypoints_mean=keypoints_mean,
             keypoints_std=keypoints_std)
model = dict(
    backbone=dict(type='TCN', in_channels=2 * 17, stem_channels=1024,
                  num_blocks=2, kernel_sizes=(1, 1, 1), dropout=0.5,
                  use_stride_conv=False, _delete_=True),
    head=dict(type='TemporalRegressionHead', in_channels=1024,
              num_joints=16, loss=dict(type='MSELoss'), decoder=codec,
              _delete_=True))
meta_keys = ('id', 'category_id', 'target_img_path', 'flip_indices',
             'target_root', 'target_root_index', 'target_mean', 'target_std')
train_pipeline = [
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs', meta_keys=meta_keys)
]
val_pipeline = [
    dict(type='ValidateKeypoints', num_keypoints=17),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs', meta_keys=meta_keys)
]
single_frame = dict(seq_len=1, causal=True, pad_video_seq=False)
train_dataloader = dict(batch_size=256,
                        dataset=dict(pipeline=train_pipeline, **single_frame))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline, **single_frame))
test_dataloader = val_dataloader
