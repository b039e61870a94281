import numpy as np
import pytest

from poselift_mm.datasets import ValidateKeypoints


def sample(**kw):
    out = dict(keypoints=np.zeros((1, 17, 2)),
               lifting_target=np.zeros((1, 17, 3)),
               camera_param=dict(f=np.ones((2, 1)), c=np.ones((2, 1)), w=10,
                                 h=10), img_path='S1_a.cam_000001.jpg')
    out.update(kw)
    return out


def test_valid_sample_passes():
    assert ValidateKeypoints(require_intrinsics=('f', 'c'))(sample())


def test_wrong_joint_count():
    with pytest.raises(ValueError, match=r'S1_a.cam_000001.*17 joints'):
        ValidateKeypoints()(sample(keypoints=np.zeros((1, 16, 2))))


def test_nan_keypoints():
    kp = np.zeros((1, 17, 2))
    kp[0, 3, 1] = np.nan
    with pytest.raises(ValueError, match='non-finite'):
        ValidateKeypoints()(sample(keypoints=kp))


def test_missing_intrinsics():
    t = ValidateKeypoints(require_intrinsics=('f', 'c'))
    with pytest.raises(ValueError, match="'f'"):
        t(sample(camera_param=dict(w=10, h=10)))
    with pytest.raises(ValueError, match='camera parameters are missing'):
        s = sample()
        del s['camera_param']
        t(s)
