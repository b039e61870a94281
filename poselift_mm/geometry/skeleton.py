"""The Human3.6M-17 skeleton (names, parents, left/right flip), rotations
and forward kinematics on a joint tree, vectorised over frames."""
from typing import Sequence

import numpy as np
import torch

# Human3.6M 17-joint tree in MMPose's ``h36m`` order (0 pelvis ... 16 right
# wrist); parents come before their children.
H36M17_PARENTS = (-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 9, 8, 11, 12, 8, 14, 15)
H36M17_NAMES = ('root', 'right_hip', 'right_knee', 'right_foot', 'left_hip',
                'left_knee', 'left_foot', 'spine', 'thorax', 'neck_base',
                'head', 'left_shoulder', 'left_elbow', 'left_wrist',
                'right_shoulder', 'right_elbow', 'right_wrist')
# Joint j of a left/right mirrored pose is joint H36M_FLIP_INDICES[j]: equal
# to the ``flip_indices`` that MMPose derives from the ``swap`` fields of its
# h36m metainfo (configs/_base_/datasets/h36m.py; tests check it).
H36M_FLIP_INDICES = (0, 4, 5, 6, 1, 2, 3, 7, 8, 9, 10, 14, 15, 16, 11, 12, 13)
# right hip/knee/foot, shoulder/elbow/wrist and their left counterparts
# (VideoPose3D's ``keypoints_symmetry`` is [H36M_LEFT, H36M_RIGHT])
H36M_RIGHT = tuple(j for j, name in enumerate(H36M17_NAMES)
                   if name.startswith('right_'))
H36M_LEFT = tuple(H36M_FLIP_INDICES[j] for j in H36M_RIGHT)
# (right, left) joint pairs: ((1, 4), (2, 5), (3, 6), (14, 11), ...)
H36M_FLIP_PAIRS = tuple(zip(H36M_RIGHT, H36M_LEFT))


def axis_angle_to_matrix(axis_angle: np.ndarray) -> np.ndarray:
    """Rodrigues' formula: (..., 3) rotation vectors, radians -> (..., 3, 3)."""
    aa = np.asarray(axis_angle, dtype=np.float64)
    if aa.shape[-1:] != (3, ):
        raise ValueError(
            f'axis_angle: expected shape (..., 3), got {aa.shape}')
    angle = np.linalg.norm(aa, axis=-1, keepdims=True)
    axis = aa / np.maximum(angle, 1e-12)
    x, y, z = axis[..., 0], axis[..., 1], axis[..., 2]
    zero = np.zeros_like(x)
    skew = np.stack([zero, -z, y, z, zero, -x, -y, x, zero],
                    axis=-1).reshape(aa.shape[:-1] + (3, 3))
    s = np.sin(angle)[..., None]
    c = np.cos(angle)[..., None]
    eye = np.broadcast_to(np.eye(3), skew.shape)
    return eye + s * skew + (1 - c) * (skew @ skew)


def _quaternion_rows(w, x, y, z, s) -> list:
    """The 9 entries, row-major, of the rotation of quaternion (w, x, y, z)
    with ``s = 2 / |q|^2`` (Shoemake 1985, "Animating rotation with
    quaternion curves", gives the unit-q form, s = 2)."""
    return [
        1 - s * (y * y + z * z), s * (x * y - z * w), s * (x * z + y * w),
        s * (x * y + z * w), 1 - s * (x * x + z * z), s * (y * z - x * w),
        s * (x * z - y * w), s * (y * z + x * w), 1 - s * (x * x + y * y)
    ]


def quaternion_to_matrix(q_wxyz):
    """(..., 4) quaternions (w, x, y, z), any non-zero norm -> (..., 3, 3)
    rotations; torch in -> torch out (differentiable), else float64 numpy.

    One formula, two ways to handle the norm, each kept bit-identical to the
    code it replaced: numpy normalises q first (s = 2; the camera-table
    converters), torch uses ``s = 2 / |q|^2`` without dividing q (ZeDO's
    ``RotOpt`` optimises an un-normalised q through it; see
    ``poselift_mm.diffusion.zedo_optim``). They differ only in rounding.
    """
    if isinstance(q_wxyz, torch.Tensor):
        q = q_wxyz
        rows = _quaternion_rows(*q.unbind(-1), 2. / (q * q).sum(-1))
        return torch.stack(rows, -1).reshape(q.shape[:-1] + (3, 3))
    q = np.asarray(q_wxyz, dtype=np.float64)
    q = q / np.linalg.norm(q, axis=-1, keepdims=True)
    rows = _quaternion_rows(*np.moveaxis(q, -1, 0), 2)
    return np.stack(rows, axis=-1).reshape(q.shape[:-1] + (3, 3))


def forward_kinematics(local_rot: np.ndarray, offsets: np.ndarray,
                       parents: Sequence[int],
                       root_pos: np.ndarray) -> np.ndarray:
    """Joint positions of a kinematic tree.

    local_rot: (..., J, 3, 3) rotation of each joint relative to its parent
    (the root's is global); offsets: (J, 3) or (..., J, 3) (per frame, e.g.
    BVH position channels) offset of each joint from its parent, in the
    parent's frame; root_pos: (..., 3). Returns (..., J, 3)
    in the units of ``offsets``/``root_pos``. Loops over the J joints once
    (a tree walk), vectorised over every leading dimension.
    """
    local_rot = np.asarray(local_rot, dtype=np.float64)
    offsets = np.asarray(offsets, dtype=np.float64)
    num_joints = len(parents)
    if local_rot.shape[-3:] != (num_joints, 3, 3):
        raise ValueError(f'local_rot: expected shape (..., {num_joints}, 3, '
                         f'3), got {local_rot.shape}')
    if offsets.shape[-2:] != (num_joints, 3):
        raise ValueError(f'offsets: expected shape (..., {num_joints}, 3), '
                         f'got {offsets.shape}')
    global_rot = [None] * num_joints
    positions = [None] * num_joints
    for j, parent in enumerate(parents):
        if parent < 0:
            global_rot[j] = local_rot[..., j, :, :]
            positions[j] = np.broadcast_to(
                np.asarray(root_pos, dtype=np.float64),
                local_rot.shape[:-3] + (3, ))
            continue
        if parent >= j:
            raise ValueError(f'parents must precede children: joint {j} has '
                             f'parent {parent}')
        global_rot[j] = global_rot[parent] @ local_rot[..., j, :, :]
        positions[j] = positions[parent] + (
            global_rot[parent] @ offsets[..., j, :, None])[..., 0]
    return np.stack(positions, axis=-2)
