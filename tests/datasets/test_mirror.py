"""MirrorAboutPrincipalPoint: the encoded labels become exactly those of
the mirrored scene (camera X -> -X, left/right swapped) for an off-centre
principal point, where MMPose's flip about the image centre is off by
2 u_c; visibility and mixtures follow the joints; clear errors."""
import numpy as np
import pytest
import torch
from mmpose.datasets.transforms import GenerateTarget, RandomFlipAroundRoot

import poselift_mm  # noqa: F401
from poselift_mm.datasets.transforms.mirror import (MirrorAboutPrincipalPoint,
                                                    mirror_labels,
                                                    principal_point_screen)
from poselift_mm.geometry.camera import project_to_pixels

FLIP = [0, 4, 5, 6, 1, 2, 3, 7, 8, 9, 10, 14, 15, 16, 11, 12, 13]
F, C, W, H = (1145., 1144.), (512.5, 515.5), 1000, 1002  # S1's camera 1


def encoded(x_cam, vis=None):
    uv = project_to_pixels(torch.from_numpy(x_cam), F, C).numpy()
    vis = np.ones(x_cam.shape[:-1], np.float32) if vis is None else vis
    return GenerateTarget(encoder=dict(
        type='ScreenPoseLifting', num_keypoints=17,
        reshape_keypoints=False))(dict(
            keypoints=uv.astype(np.float32), keypoints_visible=vis,
            lifting_target=x_cam.astype(np.float32),
            lifting_target_visible=np.ones(x_cam.shape[:-1], np.float32),
            camera_param=dict(f=np.array(F)[:, None], c=np.array(C)[:, None],
                              w=W, h=H), flip_indices=FLIP))


@pytest.fixture
def scene():
    rng = np.random.default_rng(3)
    return rng.normal(0, .3, (27, 17, 3)) + np.array([.4, -.1, 4.5])


def test_labels_are_the_mirrored_scenes(scene):
    got = MirrorAboutPrincipalPoint(prob=1.)(encoded(scene))
    want = encoded(scene[:, FLIP] * np.array([-1., 1., 1.]))
    np.testing.assert_allclose(got['keypoint_labels'],
                               want['keypoint_labels'], atol=1e-5)
    np.testing.assert_allclose(got['lifting_target_label'],
                               want['lifting_target_label'], atol=1e-6)


def test_mmpose_flip_about_the_image_centre_is_off_by_twice_u_c(scene):
    u_c = principal_point_screen(dict(c=np.array(C)[:, None], w=W))
    assert u_c == pytest.approx(0.025)
    mmpose = RandomFlipAroundRoot(
        keypoints_flip_cfg=dict(center_mode='static', center_x=0.),
        target_flip_cfg=dict(center_mode='static', center_x=0.),
        flip_prob=1., flip_label=True)(encoded(scene))
    ours = MirrorAboutPrincipalPoint(prob=1.)(encoded(scene))
    du = ours['keypoint_labels'][..., 0] - mmpose['keypoint_labels'][..., 0]
    np.testing.assert_allclose(du, 2 * u_c, atol=1e-5)  # 25 px at w 1000
    np.testing.assert_allclose(ours['keypoint_labels'][..., 1],
                               mmpose['keypoint_labels'][..., 1], atol=1e-6)
    np.testing.assert_allclose(ours['lifting_target_label'],
                               mmpose['lifting_target_label'], atol=1e-6)


def test_visibility_and_mixtures_follow_the_joints(scene):
    vis = np.ones((27, 17), np.float32)
    vis[:, 1] = 0.  # right hip missing -> the left hip after mirroring
    res = encoded(scene, vis)
    gmm = np.zeros((27, 17, 2, 5), np.float32)
    gmm[..., 1] = np.arange(17, dtype=np.float32)[:, None] / 10
    gmm[..., 3] = np.arange(17, dtype=np.float32)[:, None]
    res['keypoints_gmm'] = gmm
    out = MirrorAboutPrincipalPoint(prob=1.)(res)
    assert (out['keypoints_visible'][..., 4] == 0).all()
    assert (out['keypoints_visible'][..., 1] == 1).all()
    np.testing.assert_allclose(out['keypoints_gmm'][..., 3],
                               np.array(FLIP, np.float32)[:, None]
                               * np.ones((27, 1, 2)))
    np.testing.assert_allclose(out['keypoints_gmm'][:, 4, :, 1],
                               0.05 - 0.1, atol=1e-6)  # 2 u_c - mu(1)


def test_mirroring_twice_is_the_identity_and_prob_zero_never_mirrors(scene):
    uv = np.random.default_rng(0).normal(size=(5, 17, 2))
    back = mirror_labels(*mirror_labels(uv, scene[:5], FLIP, 0.03), FLIP,
                         0.03)
    np.testing.assert_allclose(back[0], uv, atol=1e-12)
    np.testing.assert_allclose(back[1], scene[:5], atol=1e-12)
    res = encoded(scene)
    before = res['keypoint_labels'].copy()
    MirrorAboutPrincipalPoint(prob=0.)(res)
    np.testing.assert_array_equal(res['keypoint_labels'], before)


def test_clear_errors():
    with pytest.raises(ValueError, match='prob'):
        MirrorAboutPrincipalPoint(prob=1.5)
    with pytest.raises(KeyError, match='camera_param'):
        MirrorAboutPrincipalPoint(prob=1.)(dict(
            keypoint_labels=np.zeros((17, 2)),
            lifting_target_label=np.zeros((17, 3)), flip_indices=FLIP))
    with pytest.raises(KeyError, match="principal point 'c'"):
        principal_point_screen(dict(w=1000))
