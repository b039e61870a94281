"""Tests for poselift_mm.geometry.checks (input validation)."""
import numpy as np
import pytest
import torch

from poselift_mm.geometry import CameraParamError, check_camera, check_points

INTRINSICS = {'f': [1.0, 1.0], 'c': [0.0, 0.0]}


@pytest.mark.parametrize('make', [np.zeros, torch.zeros])
def test_check_points_returns_valid_input_unchanged(make):
    x = make((4, 17, 2))
    assert check_points(x, 'keypoints_2d', 2, 17) is x
    assert check_points(x, 'keypoints_2d', 2) is x


@pytest.mark.parametrize('make', [np.zeros, torch.zeros])
def test_check_points_wrong_last_dim(make):
    with pytest.raises(ValueError, match=r'keypoints_2d: expected shape '
                       r'\(\.\.\., 2\), got shape \(4, 17, 3\)'):
        check_points(make((4, 17, 3)), 'keypoints_2d', 2)
    with pytest.raises(ValueError, match=r'keypoints_2d: expected shape '
                       r'\(\.\.\., 17, 2\), got shape \(4, 17, 3\)'):
        check_points(make((4, 17, 3)), 'keypoints_2d', 2, 17)


@pytest.mark.parametrize('make', [np.zeros, torch.zeros])
def test_check_points_wrong_joint_count(make):
    with pytest.raises(ValueError, match=r'keypoints_2d: expected 17 joints '
                       r'in shape \(\.\.\., 17, 2\), got shape \(4, 16, 2\)'):
        check_points(make((4, 16, 2)), 'keypoints_2d', 2, 17)


def test_check_points_too_few_dims():
    with pytest.raises(ValueError, match=r'x_cam: expected shape '
                       r'\(\.\.\., 3\), got shape \(\)'):
        check_points(np.array(1.0), 'x_cam', 3)
    with pytest.raises(ValueError, match=r'pose: expected shape '
                       r'\(\.\.\., 17, 3\), got shape \(3,\)'):
        check_points(np.zeros(3), 'pose', 3, 17)


@pytest.mark.parametrize('to_kind', [np.asarray, torch.as_tensor])
def test_check_points_counts_non_finite_values(to_kind):
    x = np.zeros((4, 17, 2))
    x[0, 0, 0], x[1, 2, 1], x[3, 3, 0] = np.nan, np.inf, -np.inf
    with pytest.raises(ValueError, match=r'keypoints_2d contains 3 '
                       r'non-finite values \(NaN/inf\)'):
        check_points(to_kind(x), 'keypoints_2d', 2, 17)


def test_check_points_rejects_non_arrays():
    with pytest.raises(TypeError, match='keypoints_2d must be a numpy array '
                       'or torch tensor, got list'):
        check_points([[0.0, 0.0]], 'keypoints_2d', 2)


def _pkl_style_camera(dtype=np.float64):
    def col(*values):
        return np.array(values, dtype=dtype)[:, None]

    return dict(R=np.eye(3, dtype=dtype), T=col(1.0, 2.0, 3.0),
                f=col(1145.0, 1143.0), c=col(512.0, 515.0),
                k=col(-0.2, 0.24, -0.003), p=col(-0.001, -0.0009),
                w=1000, h=1002, name='camera1', id='54138969')


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
def test_check_camera_normalises_pkl_column_vectors(dtype):
    cam = check_camera(_pkl_style_camera(dtype), need=('f', 'c', 'R', 'T'))
    shapes = {key: cam[key].shape for key in 'fckpRT'}
    assert shapes == {'f': (2, ), 'c': (2, ), 'k': (3, ), 'p': (2, ),
                      'R': (3, 3), 'T': (3, )}
    for key in 'fckpRT':
        assert isinstance(cam[key], np.ndarray) and cam[key].dtype == dtype
    assert cam['w'] == 1000 and cam['h'] == 1002 and type(cam['w']) is int
    np.testing.assert_array_equal(cam['T'], [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(cam['f'], [1145.0, 1143.0])


def test_check_camera_flat_lists_torch_and_scalar_focal():
    cam = check_camera({'f': 1000, 'c': [320, 240], 'k': torch.zeros(3, 1)})
    assert isinstance(cam['f'], np.ndarray) and cam['f'].dtype == np.float64
    np.testing.assert_array_equal(cam['f'], [1000.0, 1000.0])
    np.testing.assert_array_equal(cam['c'], [320.0, 240.0])
    assert isinstance(cam['k'], torch.Tensor) and cam['k'].shape == (3, )
    assert 'R' not in cam and 'w' not in cam


def test_check_camera_returns_copies_of_numpy_inputs():
    raw = _pkl_style_camera()
    check_camera(raw)['f'][0] = -1.0
    assert raw['f'][0, 0] == 1145.0


def test_check_camera_missing_focal_length():
    with pytest.raises(CameraParamError, match=r"camera parameters are "
                       r"missing the intrinsics 'f' \(focal length in "
                       r"pixels\); got keys \['c', 'w', 'h'\]") as info:
        check_camera({'c': [512.0, 515.0], 'w': 1000, 'h': 1002})
    assert isinstance(info.value, KeyError)
    assert isinstance(info.value, ValueError)
    with pytest.raises(KeyError, match=r"missing the intrinsics 'f' "
                       r"\(focal length in pixels\), the intrinsics 'c' "
                       r"\(principal point in pixels\); "
                       r"got keys \['w', 'h'\]"):
        check_camera({'w': 1000, 'h': 1002})


def test_check_camera_missing_extrinsics_only_when_needed():
    check_camera(INTRINSICS)
    with pytest.raises(ValueError, match=r"missing the extrinsics 'R' "
                       r"\(world->camera rotation\)"):
        check_camera(INTRINSICS, need=('f', 'c', 'R'))


def test_check_camera_bad_shapes_and_values():
    with pytest.raises(ValueError, match=r"camera parameter 'k' \(radial "
                       r"distortion coefficients\) must have shape \(3,\) or "
                       r"\(3, 1\), got shape \(5,\)"):
        check_camera({**INTRINSICS, 'k': np.zeros(5)})
    with pytest.raises(ValueError, match=r"camera parameter 'R' .* must have "
                       r"shape \(3, 3\), got shape \(4, 4\)"):
        check_camera({**INTRINSICS, 'R': np.eye(4)})
    with pytest.raises(ValueError, match="camera parameter 'c' contains "
                       'non-finite values'):
        check_camera({'f': [1.0, 1.0], 'c': [np.nan, 0.0]})
    with pytest.raises(TypeError, match='camera parameters must be a dict'):
        check_camera([('f', 1.0)])
