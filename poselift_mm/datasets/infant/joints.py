"""Infant joint layouts -> the Human3.6M-17 layout of ZeDO's prior.

ZeDO's adult prior (``ZeDOScoreMLP``) takes MMPose's Human3.6M-17 order
(``poselift_mm.geometry.skeleton.H36M17_NAMES``). The infant data sets come
in other layouts; every mapping is written here once.

SyRIP 3D (``correct_3D.npy`` of ostadabbas/Infant-Postural-Symmetry): 14
joints in SPIN's LSP order, as the comment of its ``measure_3d_*.py`` and
its use of indices 2/3 (hips) and 8/9 (shoulders) there state:

====  ==========  ===================  =====================================
LSP   name        H36M-17 joint        rule
====  ==========  ===================  =====================================
0     r_ankle     3 right_foot         copied
1     r_knee      2 right_knee         copied
2     r_hip       1 right_hip          copied
3     l_hip       4 left_hip           copied
4     l_knee      5 left_knee          copied
5     l_ankle     6 left_foot          copied
6     r_wrist     16 right_wrist       copied
7     r_elbow     15 right_elbow       copied
8     r_shoulder  14 right_shoulder    copied
9     l_shoulder  11 left_shoulder     copied
10    l_elbow     12 left_elbow        copied
11    l_wrist     13 left_wrist        copied
12    neck        8 thorax             copied (1.2 cm from mid-shoulders
                                       on average in the data)
13    head (top)  10 head              copied
-     -           0 root               mid(r_hip, l_hip)
-     -           7 spine              mid(root, thorax)
-     -           9 neck_base          mid(thorax, head)
====  ==========  ===================  =====================================

ZeDO's infant code (ipl-uw/ZeDO-Release ``lib/dataset/syrip.py``) keeps only
the 12 limb joints (``SYRIP_LIMB_JOINTS`` in H36M-17 numbering) and scores
them about their mid-hip; the metric does the same (``JointSubsetMPJPE``).

SyRIP 2D: COCO-17 ground truth -> H36M-17 with
:func:`poselift_mm.geometry.convert_keypoints` (pelvis, spine, thorax as
midpoints; ``neck_base`` <- nose, ``head`` <- mid-eyes). Those two face
points are not the 3D's neck / head top, so :data:`SYRIP_NO_2D_JOINTS` get
score 0 (no 2D: the prior alone places them), as the original uses no head
joint at all.

MINI-RGBD (Hesse et al., 2018): 25 SMIL joints per frame, named (file line
order) global, leftThigh, rightThigh, spine, leftCalf, rightCalf, spine1,
leftFoot, rightFoot, spine2, leftToes, rightToes, neck, leftShoulder,
rightShoulder, head, leftUpperArm, rightUpperArm, leftForeArm,
rightForeArm, leftHand, rightHand, leftFingers, rightFingers, noseVertex.
SMIL's joints sit where SMPL's do (thigh joint = hip, calf = knee, foot =
ankle, upper arm = shoulder, forearm = elbow, hand = wrist; shoulder =
collar bone). ``MINI_RGBD_TO_H36M['anatomical']`` follows that;
``['zedo']`` is ZeDO's ``mini_rgbd.change`` (toes as ankles, collar bones
as shoulders, spine2 as thorax), kept to reproduce the original.
"""
import numpy as np

from poselift_mm.geometry.keypoint_formats import convert_keypoints

__all__ = [
    'LSP14_NAMES', 'LSP14_TO_H36M', 'SYRIP_LIMB_JOINTS', 'SYRIP_NO_2D_JOINTS',
    'MINI_RGBD_NAMES', 'MINI_RGBD_TO_H36M', 'lsp14_to_h36m',
    'coco_to_h36m_2d', 'mini_rgbd_to_h36m'
]

LSP14_NAMES = ('r_ankle', 'r_knee', 'r_hip', 'l_hip', 'l_knee', 'l_ankle',
               'r_wrist', 'r_elbow', 'r_shoulder', 'l_shoulder', 'l_elbow',
               'l_wrist', 'neck', 'head')
# H36M-17 joint j <- LSP joint LSP14_TO_H36M[j]; -1: synthesised
LSP14_TO_H36M = (-1, 2, 1, 0, 3, 4, 5, -1, 12, -1, 13, 9, 10, 11, 8, 7, 6)
# the 12 joints ZeDO's infant code keeps and scores (H36M-17 numbering)
SYRIP_LIMB_JOINTS = (1, 2, 3, 4, 5, 6, 11, 12, 13, 14, 15, 16)
# H36M-17 joints whose COCO-derived 2D is not the 3D's joint
SYRIP_NO_2D_JOINTS = (9, 10)

MINI_RGBD_NAMES = (
    'global', 'leftThigh', 'rightThigh', 'spine', 'leftCalf', 'rightCalf',
    'spine1', 'leftFoot', 'rightFoot', 'spine2', 'leftToes', 'rightToes',
    'neck', 'leftShoulder', 'rightShoulder', 'head', 'leftUpperArm',
    'rightUpperArm', 'leftForeArm', 'rightForeArm', 'leftHand', 'rightHand',
    'leftFingers', 'rightFingers', 'noseVertex')
# H36M-17 joint j <- MINI-RGBD joint MINI_RGBD_TO_H36M[rule][j]
MINI_RGBD_TO_H36M = {
    'anatomical': (0, 2, 5, 8, 1, 4, 7, 6, 12, 24, 15, 16, 18, 20, 17, 19,
                   21),
    'zedo': (0, 2, 5, 11, 1, 4, 10, 3, 9, 12, 15, 13, 18, 20, 14, 19, 21),
}


def lsp14_to_h36m(x):
    """(..., 14, C) SyRIP / LSP joints -> (..., 17, C) H36M-17: the table
    of the module docstring (copied joints, then the three midpoints)."""
    x = np.asarray(x, dtype=np.float64)
    if x.shape[-2] != 14:
        raise ValueError(f'lsp14_to_h36m: expected 14 joints, got shape '
                         f'{x.shape}')
    out = np.zeros(x.shape[:-2] + (17, x.shape[-1]))
    for j, src in enumerate(LSP14_TO_H36M):
        if src >= 0:
            out[..., j, :] = x[..., src, :]
    out[..., 0, :] = (x[..., 2, :] + x[..., 3, :]) / 2
    out[..., 7, :] = (out[..., 0, :] + out[..., 8, :]) / 2
    out[..., 9, :] = (out[..., 8, :] + out[..., 10, :]) / 2
    return out


def coco_to_h36m_2d(keypoints, visibility, no_2d=SYRIP_NO_2D_JOINTS):
    """COCO ground truth (N, 17, 2) px and (N, 17) flags (COCO's v: 0 not
    labelled, 1 occluded, 2 visible) -> H36M-17 (N, 17, 2) px and (N, 17)
    scores in {0, 1}: ``v > 0``, the minimum over a midpoint's ends, and 0
    for the ``no_2d`` joints."""
    scores = (np.asarray(visibility) > 0).astype(np.float64)
    kp, sc = convert_keypoints(np.asarray(keypoints, dtype=np.float64),
                               scores, src='coco')
    sc = sc.copy()
    sc[..., list(no_2d)] = 0.
    return kp, sc


def mini_rgbd_to_h36m(x, rule: str = 'anatomical'):
    """(..., 25, C) MINI-RGBD joints -> (..., 17, C) by
    ``MINI_RGBD_TO_H36M[rule]``."""
    if rule not in MINI_RGBD_TO_H36M:
        raise ValueError(f'mini_rgbd_to_h36m: rule must be one of '
                         f'{sorted(MINI_RGBD_TO_H36M)}, got {rule!r}')
    x = np.asarray(x)
    if x.shape[-2] != 25:
        raise ValueError(f'mini_rgbd_to_h36m: expected 25 joints, got shape '
                         f'{x.shape}')
    return x[..., list(MINI_RGBD_TO_H36M[rule]), :]
