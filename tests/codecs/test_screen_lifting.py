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
