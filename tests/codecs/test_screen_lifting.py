"""The 2D confidences reach gt_instances through both lifting codecs (a
codec's instance table replaces PackPoseInputs' own)."""
import numpy as np
import pytest
from mmpose.datasets.transforms import GenerateTarget, PackPoseInputs

import poselift_mm  # noqa: F401


@pytest.mark.parametrize('codec', [
    dict(type='ScreenPoseLifting', num_keypoints=17, reshape_keypoints=False),
    dict(type='PixelPoseLifting', num_keypoints=17)
])
def test_confidences_are_packed(codec):
    rng = np.random.default_rng(0)
    scores = rng.uniform(0.1, 1., (1, 17)).astype(np.float32)
    results = dict(
        keypoints=rng.uniform(0, 1000, (1, 17, 2)).astype(np.float32),
        keypoints_visible=scores,
        lifting_target=rng.normal(size=(1, 17, 3)).astype(np.float32),
        lifting_target_visible=np.ones((1, 17), np.float32),
        camera_param=dict(w=1000, h=1002))
    results = GenerateTarget(encoder=codec)(results)
    packed = PackPoseInputs(meta_keys=('camera_param', ))(results)
    got = packed['data_samples'].gt_instances.keypoints_visible
    np.testing.assert_array_equal(np.asarray(got).reshape(1, 17), scores)
    if codec['type'] == 'ScreenPoseLifting':  # DiffPose's normalisation
        kp = results['keypoints'][0]
        u = packed['inputs'].reshape(17, 2, 1)[:, 0, 0].numpy()
        np.testing.assert_allclose(u, 2 * kp[:, 0] / 1000 - 1, atol=1e-6)


def test_per_frame_gmm_reaches_the_head_in_screen_units():
    """DiffPose's files store each frame's 2D mixture with means in pixels:
    the codec packs it with the keypoints' screen normalisation, and the
    head trains on a component's mean and sigma, as the original."""
    import torch
    from mmengine.registry import init_default_scope
    from mmpose.registry import MODELS
    init_default_scope('mmpose')
    rng = np.random.default_rng(1)
    gmm = np.zeros((1, 17, 2, 5), np.float32)  # one frame, 2 components
    gmm[..., 0] = [1., 0.]  # always the first component
    gmm[..., 0, 1:3] = rng.uniform(100, 900, (1, 17, 2))
    gmm[..., 0, 3:5] = rng.uniform(0.01, 0.05, (1, 17, 2))
    gmm[..., 1, 1:5] = 1e3  # never drawn
    results = dict(
        keypoints=rng.uniform(0, 1000, (1, 17, 2)).astype(np.float32),
        keypoints_visible=np.ones((1, 17), np.float32),
        keypoints_gmm=gmm,
        lifting_target=rng.normal(size=(1, 17, 3)).astype(np.float32),
        lifting_target_visible=np.ones((1, 17), np.float32),
        camera_param=dict(w=1000, h=1002))
    codec = dict(type='ScreenPoseLifting', num_keypoints=17,
                 reshape_keypoints=False)
    results = GenerateTarget(encoder=codec)(results)
    packed = PackPoseInputs(meta_keys=('camera_param', ))(results)
    got = np.asarray(packed['data_samples'].gt_instances.keypoints_gmm)
    mu_px = gmm[0, :, 0, 1:3]
    want_u = 2 * mu_px[:, 0] / 1000 - 1
    want_v = 2 * mu_px[:, 1] / 1000 - 1002 / 1000
    np.testing.assert_allclose(got[0, :, 0, 1], want_u, atol=1e-6)
    np.testing.assert_allclose(got[0, :, 0, 2], want_v, atol=1e-6)
    np.testing.assert_array_equal(got[0, :, 0, 3:5], gmm[0, :, 0, 3:5])

    head = MODELS.build(dict(
        type='DiffPoseHead', denoiser=dict(
            type='GCNdiff', num_joints=17, hid_dim=16, num_layers=1,
            num_heads=2)))
    seen = {}
    head.denoising_loss = lambda x0, scale: seen.update(
        x0=x0, scale=scale) or torch.zeros(())
    uv = packed['inputs'].reshape(1, 17, 2, 1).permute(0, 3, 1, 2)
    head.loss((uv.float(), None), [packed['data_samples']])
    np.testing.assert_allclose(seen['x0'][0, :, 0].numpy(), want_u,
                               atol=1e-6)
    np.testing.assert_allclose(seen['scale'][0, :, :2].numpy(),
                               gmm[0, :, 0, 3:5], atol=0)


def _encode(space, cam):
    from poselift_mm.codecs import ScreenPoseLifting
    c = ScreenPoseLifting(num_keypoints=17, zero_center=True, root_index=0,
                          remove_root=False, reshape_keypoints=False,
                          keypoint_space=space)
    kp = np.random.default_rng(0).uniform(0, 900, (1, 17, 2))
    out = c.encode(kp.astype(np.float32), np.ones((1, 17)),
                   np.zeros((1, 17, 3)), np.ones((1, 17)), dict(cam))
    return kp, out['keypoint_labels']


def test_keypoint_spaces():
    cam = dict(w=1000, h=800, f=np.array([[1100.], [1120.]]),
               c=np.array([[510.], [390.]]))
    kp, screen = _encode('screen', cam)
    np.testing.assert_allclose(screen[0, :, 0], 2 * kp[0, :, 0] / 1000 - 1,
                               rtol=1e-6)
    _, root = _encode('root', cam)
    np.testing.assert_allclose(root, screen - screen[:, :1], atol=1e-6)
    assert not root[:, 0].any()
    _, camera = _encode('camera', cam)
    np.testing.assert_allclose(camera[0], (kp[0] - [510, 390]) / [1100, 1120],
                               rtol=1e-5)
    # no intrinsics: a pinhole with f = the image diagonal, c the centre
    _, default = _encode('camera', dict(w=1000, h=800))
    np.testing.assert_allclose(default[0], (kp[0] - [500, 400]) /
                               np.hypot(1000, 800), rtol=1e-5)


def test_unknown_keypoint_space_is_refused():
    with pytest.raises(ValueError, match="keypoint_space must be one of"):
        _encode('pixels', dict(w=10, h=10))


def test_label_flip_is_the_mirrored_scene():
    """The video pose model's mirror augmentation (MMPose's
    RandomFlipAroundRoot on the encoded labels, 2D about u = 0 and the
    root-relative 3D about x = 0) gives exactly the labels of the mirrored
    scene (camera-space X -> -X, left and right swapped) when the principal
    point is the image centre."""
    import torch
    from mmpose.datasets.transforms import RandomFlipAroundRoot

    from poselift_mm.geometry.camera import project_to_pixels
    flip_indices = [0, 4, 5, 6, 1, 2, 3, 7, 8, 9, 10, 14, 15, 16, 11, 12, 13]
    rng = np.random.default_rng(1)
    x = rng.normal(0, .3, (27, 17, 3)) + np.array([.4, -.1, 4.5])
    f, c = (1145., 1144.), (500., 501.)

    def encoded(x_cam):
        uv = project_to_pixels(torch.from_numpy(x_cam), f, c).numpy()
        return GenerateTarget(encoder=dict(
            type='ScreenPoseLifting', num_keypoints=17,
            reshape_keypoints=False))(dict(
                keypoints=uv.astype(np.float32),
                keypoints_visible=np.ones((27, 17), np.float32),
                lifting_target=x_cam.astype(np.float32),
                lifting_target_visible=np.ones((27, 17), np.float32),
                camera_param=dict(w=1000, h=1002), flip_indices=flip_indices))

    flipped = RandomFlipAroundRoot(
        keypoints_flip_cfg=dict(center_mode='static', center_x=0.),
        target_flip_cfg=dict(center_mode='static', center_x=0.),
        flip_prob=1., flip_label=True)(encoded(x))
    mirror = x[:, flip_indices] * np.array([-1., 1., 1.])
    want = encoded(mirror)
    np.testing.assert_allclose(flipped['keypoint_labels'],
                               want['keypoint_labels'], atol=1e-5)
    np.testing.assert_allclose(flipped['lifting_target_label'],
                               want['lifting_target_label'], atol=1e-6)
