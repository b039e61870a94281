"""Rotations and forward kinematics on a joint tree, vectorised over frames."""
from typing import Sequence

import numpy as np

# Human3.6M 17-joint tree in MMPose's ``h36m`` order (0 pelvis ... 16 right
# wrist); parents come before their children.
H36M17_PARENTS = (-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 9, 8, 11, 12, 8, 14, 15)
H36M17_NAMES = ('root', 'right_hip', 'right_knee', 'right_foot', 'left_hip',
                'left_knee', 'left_foot', 'spine', 'thorax', 'neck_base',
                'head', 'left_shoulder', 'left_elbow', 'left_wrist',
                'right_shoulder', 'right_elbow', 'right_wrist')


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


def quaternion_to_matrix(q_wxyz) -> np.ndarray:
    """(..., 4) quaternions (w, x, y, z), any norm -> (..., 3, 3) rotations."""
    q = np.asarray(q_wxyz, dtype=np.float64)
    q = q / np.linalg.norm(q, axis=-1, keepdims=True)
    w, x, y, z = np.moveaxis(q, -1, 0)
    return np.stack([
        1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w),
        2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w),
        2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)
    ], axis=-1).reshape(q.shape[:-1] + (3, 3))


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
