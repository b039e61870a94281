import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from poselift_mm.geometry import axis_angle_to_matrix, forward_kinematics

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
