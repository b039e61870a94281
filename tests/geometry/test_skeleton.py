import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from poselift_mm.geometry import (H36M17_NAMES, H36M_FLIP_INDICES,
                                  H36M_FLIP_PAIRS, H36M_LEFT, H36M_RIGHT,
                                  axis_angle_to_matrix, forward_kinematics,
                                  quaternion_to_matrix)

vec3 = arrays(np.float64, (3, ), elements=st.floats(-3, 3))


@settings(max_examples=50, deadline=None)
@given(vec3)
def test_rodrigues_is_a_rotation(aa):
    rot = axis_angle_to_matrix(aa)
    np.testing.assert_allclose(rot @ rot.T, np.eye(3), atol=1e-9)
    assert np.linalg.det(rot) == pytest.approx(1.0)
    # the axis is fixed by the rotation
    np.testing.assert_allclose(rot @ aa, aa, atol=1e-9)


def test_rodrigues_known_values():
    rot = axis_angle_to_matrix(np.array([0, 0, np.pi / 2]))
    np.testing.assert_allclose(rot @ [1, 0, 0], [0, 1, 0], atol=1e-12)
    np.testing.assert_allclose(axis_angle_to_matrix(np.zeros((2, 3))),
                               np.broadcast_to(np.eye(3), (2, 3, 3)))


def test_forward_kinematics_chain():
    parents = (-1, 0, 1)
    offsets = np.array([[0, 0, 0], [1.0, 0, 0], [1.0, 0, 0]])
    local = axis_angle_to_matrix(np.array([[0, 0, 0], [0, 0, np.pi / 2],
                                           [0, 0, 0]]))
    pos = forward_kinematics(local, offsets, parents, np.array([0, 0, 1.0]))
    np.testing.assert_allclose(pos, [[0, 0, 1], [1, 0, 1], [1, 1, 1]],
                               atol=1e-12)
    # batched over frames
    pos_b = forward_kinematics(np.stack([local] * 5), offsets, parents,
                               np.zeros((5, 3)))
    assert pos_b.shape == (5, 3, 3)


def test_forward_kinematics_bad_input():
    with pytest.raises(ValueError, match='local_rot'):
        forward_kinematics(np.zeros((4, 3, 3)), np.zeros((3, 3)), (-1, 0, 1),
                           np.zeros(3))
    with pytest.raises(ValueError, match='parents must precede'):
        forward_kinematics(np.broadcast_to(np.eye(3), (3, 3, 3)),
                           np.zeros((3, 3)), (-1, 2, 0), np.zeros(3))
    with pytest.raises(ValueError, match='axis_angle'):
        axis_angle_to_matrix(np.zeros(4))


# ---- Human3.6M left/right ------------------------------------------------
def test_flip_indices_are_mmposes_h36m_metainfo():
    import os.path as osp

    import mmpose
    from mmpose.datasets.datasets.utils import parse_pose_metainfo
    rel = 'configs/_base_/datasets/h36m.py'
    path = osp.join(osp.dirname(mmpose.__file__), '.mim', rel)
    meta = parse_pose_metainfo(
        dict(from_file=path if osp.isfile(path) else rel))
    assert list(H36M_FLIP_INDICES) == list(meta['flip_indices'])
    names = [meta['keypoint_id2name'][i] for i in range(17)]
    assert names == list(H36M17_NAMES)


def test_left_right_lists_and_pairs():
    # VideoPose3D's keypoints_symmetry and ZeDO's flip pairs
    assert H36M_LEFT == (4, 5, 6, 11, 12, 13)
    assert H36M_RIGHT == (1, 2, 3, 14, 15, 16)
    assert H36M_FLIP_PAIRS == ((1, 4), (2, 5), (3, 6), (14, 11), (15, 12),
                               (16, 13))
    flip = np.asarray(H36M_FLIP_INDICES)
    np.testing.assert_array_equal(flip[flip], np.arange(17))


# ---- quaternions ---------------------------------------------------------
def test_quaternion_numpy_and_torch_agree():
    q = np.random.default_rng(0).normal(size=(6, 4)) * [[0.1], [1], [2],
                                                        [5], [30], [0.5]]
    r_np = quaternion_to_matrix(q)
    r_t = quaternion_to_matrix(torch.from_numpy(q))
    assert isinstance(r_np, np.ndarray) and isinstance(r_t, torch.Tensor)
    np.testing.assert_allclose(r_t.numpy(), r_np, rtol=0, atol=1e-14)
    np.testing.assert_allclose(r_np @ r_np.transpose(0, 2, 1),
                               np.broadcast_to(np.eye(3), (6, 3, 3)),
                               atol=1e-12)
    # a list, as the camera tables give it; 90 deg about z
    h = np.sqrt(0.5)
    np.testing.assert_allclose(quaternion_to_matrix([h, 0, 0, h]),
                               [[0, -1, 0], [1, 0, 0], [0, 0, 1]],
                               atol=1e-15)


def test_quaternion_torch_keeps_dtype_and_gradient():
    q = torch.tensor([[0.9, 0.1, -0.3, 0.2]], requires_grad=True)
    r = quaternion_to_matrix(q)
    assert r.dtype == torch.float32 and r.shape == (1, 3, 3)
    r[0, 0, 1].backward()
    assert torch.isfinite(q.grad).all() and q.grad.abs().sum() > 0
