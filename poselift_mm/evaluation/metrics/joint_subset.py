"""``JointSubsetMPJPE``: ``LiftingMPJPE`` on a subset of the joints, each
pose centred on the mean of some of them.

ZeDO-infant (ipl-uw/ZeDO-Release ``lib/dataset/syrip.py``, ``num_joint =
12``) scores SyRIP's 12 limb joints about their mid-hip; poses lifted in the
Human3.6M-17 layout are scored the same way with ``joints =
SYRIP_LIMB_JOINTS`` and ``root_joints = (1, 4)``: prediction, hypotheses
and ground truth are cut to ``joints`` and centred on the mean of their
``root_joints`` before ``LiftingMPJPE`` (``root_index=None``) scores them,
so the Procrustes fit of P-MPJPE also sees only ``joints``.
"""
from typing import Sequence

import numpy as np
from mmpose.registry import METRICS

from .lifting_metric import LiftingMPJPE

__all__ = ['JointSubsetMPJPE', 'subset_sample']

# (group, key, joint axis counted from the end)
_ARRAYS = (('pred_instances', 'keypoints', 2), ('pred_instances',
                                                'hypotheses', 2),
           ('pred_instances', 'hypotheses_reproj_error', 1),
           ('gt_instances', 'lifting_target', 2),
           ('gt_instances', 'lifting_target_visible', 1))
_CENTRED = ('keypoints', 'hypotheses', 'lifting_target')


def subset_sample(ds, joints: Sequence[int], root_joints: Sequence[int]):
    """A data sample (dict or data element) -> a dict whose pose arrays
    (:data:`_ARRAYS`) hold only ``joints``, poses (..., J, 3) centred on
    the mean of ``root_joints`` (indices of the full layout)."""
    ds = ds.to_dict() if hasattr(ds, 'to_dict') else dict(ds)
    keep = list(joints)
    for group, key, axis in _ARRAYS:
        inst = ds.get(group)
        if inst is None or inst.get(key) is None:
            continue
        a = np.asarray(inst[key])
        if key == 'lifting_target_visible' and a.ndim >= 2 and \
                a.shape[-1] == 1:
            a = a[..., 0]
        if key in _CENTRED:
            a = a - a[..., list(root_joints), :].mean(-2, keepdims=True)
        ds[group] = dict(inst, **{key: np.take(a, keep, axis=a.ndim - axis)})
    return ds


@METRICS.register_module()
class JointSubsetMPJPE(LiftingMPJPE):
    """Args:
        joints: the scored joints (indices of the model's layout).
        root_joints: the poses are centred on their mean (e.g. the hips).
        Others: ``LiftingMPJPE``'s, without ``root_index`` (the centring
            replaces it) and with ``hypotheses_protocol`` 'pose' or 'd3dp'.
    """

    def __init__(self, joints: Sequence[int], root_joints: Sequence[int],
                 **kwargs):
        if kwargs.pop('root_index', None) is not None:
            raise ValueError('JointSubsetMPJPE centres on root_joints; '
                             'root_index must be None')
        if kwargs.get('hypotheses_protocol', 'pose') == 'zedo':
            raise ValueError("JointSubsetMPJPE: hypotheses_protocol='zedo' "
                             'scores un-rooted poses; use pose or d3dp')
        if not joints or not root_joints:
            raise ValueError('JointSubsetMPJPE: joints and root_joints must '
                             'not be empty')
        super().__init__(root_index=None, **kwargs)
        self.joints = tuple(int(j) for j in joints)
        self.root_joints = tuple(int(j) for j in root_joints)

    def process(self, data_batch, data_samples) -> None:
        super().process(data_batch, [
            subset_sample(ds, self.joints, self.root_joints)
            for ds in data_samples
        ])
