# SyRIP's 700 real images with manually corrected 3D infant poses
# (ostadabbas/Infant-Postural-Symmetry) and their COCO ground-truth 2D,
# split as ZeDO-infant (ipl-uw/ZeDO-Release syrip_process.py): 500 train,
# 200 test (SyRIP's real training images). Non-commercial data: not in this
# repository. Make the files (data/ is ignored by git):
#   python tools/syrip_to_npz.py <Infant-Postural-Symmetry snapshot> data/syrip
# Samples are Human3.6M-17 (poselift_mm/datasets/infant/joints.py), every
# image with ZeDO's pinhole f = 2000 px, c = image centre.
_base_ = ['../poselift_runtime.py']

dataset_type = 'SyRIPDataset'
data_root = 'data/syrip/'
syrip_common = dict(type=dataset_type, data_root=data_root, focal=2000.)
train_dataloader = dict(
    batch_size=100,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(ann_file='syrip_train.npz', **syrip_common))
# the 200 test images, GT 2D
val_dataloader = dict(
    batch_size=200,
    num_workers=0,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(ann_file='syrip_test.npz', test_mode=True, **syrip_common))
test_dataloader = val_dataloader
# ZeDO-infant's protocol: the 12 limb joints (H36M-17 numbering) about
# their mid-hip (joints 1 and 4); MPJPE and P-MPJPE in mm, sample average
val_evaluator = dict(
    type='JointSubsetMPJPE', prefix='syrip',
    joints=(1, 2, 3, 4, 5, 6, 11, 12, 13, 14, 15, 16), root_joints=(1, 4),
    modes=('mpjpe', 'p-mpjpe'), per_action=False, oracle=False)
test_evaluator = val_evaluator
