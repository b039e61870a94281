# ZeDO (Jiang et al., WACV 2024) on CPU: an unconditional score prior
# (ZeDOScoreMLP, hidden 512, 1.83 M params) trained by denoising score
# matching on 3D poses only (Human3.6M S1 S5 S6 S7 motion converted with
# tools/mocap_to_h36m.py; the 2D of the files is never used in training),
# then zero-shot lifting of S8 (validation) by IPO + OIL.
#
# Data: bash tools/prepare_mocap_data.sh (mocap conversion, 50 K-means
# clusters of training poses; see docs/zedo.md); data settings:
# configs/_base_/datasets/h36m_mocap.py.
_base_ = ['../_base_/datasets/h36m_mocap.py']

# 50 K-means clusters of 200k training poses (committed with the model;
# tools/make_clusters.py data/h36m_mocap/annotation_body3d/fps50/h36m_train.npz
#   --k 50 --max-poses 200000 --out ... reproduces it). Relative to the
# repository, found from any directory: the current one, beside this config
# or the checkpoint (also by name), the package's (poselift_mm.utils.paths)
clusters_file = 'checkpoints/zedo/h36m-mocap_clusters50.npz'

# ---- codec -------------------------------------------------------------
codec = dict(type='PixelPoseLifting', num_keypoints=17, root_index=0)

# ---- model -------------------------------------------------------------
model = dict(
    type='ZeDOLifter',
    head=dict(
        type='ScoreHead',
        denoiser=dict(
            type='ZeDOScoreMLP', num_joints=17, hidden_dim=512,
            embed_dim=256, n_blocks=2, dropout=0.25),
        sde=dict(beta_min=0.1, beta_max=20., N=1000),
        flip_prob=0.5,
        decoder=codec),
    # one hypothesis from the most populated cluster; see the *_hyp10 config
    init_poses=dict(file=clusters_file, num=1),
    # Fast default (docs/benchmarks.md): ZeDO's drift with the step scaled
    # to its 1000-iteration total ('scaled'), 50 OIL and 100 IPO iterations:
    # within 0.5 mm of the original's 500 + 1000 iterations on S8, ~10x
    # faster. The exact original: zedo_prior-mlp512_h36m-mocap_cpu_exact.py
    test_cfg=dict(
        ipo=dict(iters=100, lr=0.1, joints=(0, 1, 4), axes='z', depth=3.,
                 scale_range=(0.5, 2.)),
        oil=dict(iters=50, t_start=0.1, t_end=0.01,
                 fix_translation_frac=0.2, mode='scaled', ref_iters=1000),
        aggregate='min_reproj',
        use_distortion=True,
        chunk_size=4096))

# ---- schedule (about 25 minutes on 2 CPU cores) -------------------------
train_cfg = dict(by_epoch=True, max_epochs=10, val_interval=10)
optim_wrapper = dict(
    optimizer=dict(type='Adam', lr=1e-3), clip_grad=dict(max_norm=1.))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=300),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=10,
         eta_min=1e-5)
]
auto_scale_lr = dict(base_batch_size=1024)
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    checkpoint=dict(type='CheckpointHook', interval=2, max_keep_ckpts=2,
                    save_best='h36m/MPJPE', rule='less'))

# ---- pipelines ---------------------------------------------------------
meta_keys = ('id', 'category_id', 'target_img_path', 'flip_indices',
             'target_root', 'camera_param')
train_pipeline = [
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs', meta_keys=meta_keys)
]
test_pipeline = [
    dict(type='ValidateKeypoints', num_keypoints=17),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs', meta_keys=meta_keys)
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
# S8 validation, every 200th frame (1,169 frames), ground-truth 2D
val_dataloader = dict(
    batch_size=2048,
    dataset=dict(sample_stride=200, pipeline=test_pipeline))
test_dataloader = val_dataloader
# + the oracle best-of-S over the hypotheses
val_evaluator = dict(oracle=True)
test_evaluator = val_evaluator
