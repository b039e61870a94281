"""PixelPoseLifting: pixels kept as they are, root-relative metres target."""
import numpy as np
import pytest
import torch
from mmpose.datasets.transforms import GenerateTarget, PackPoseInputs
from mmpose.registry import KEYPOINT_CODECS

from poselift_mm.codecs.pixel_lifting import PixelPoseLifting


def example(t=1, k=17):
    rng = np.random.default_rng(0)
    uv = rng.uniform(100., 900., size=(t, k, 2))  # float64 pixels
    xyz = rng.normal(size=(t, k, 3)) * 0.3 + np.array([0.2, -0.1, 4.5])
    return uv, xyz


def test_build_via_registry():
    codec = KEYPOINT_CODECS.build(
        dict(type='PixelPoseLifting', num_keypoints=17, root_index=0))
    assert isinstance(codec, PixelPoseLifting)
    assert codec.num_keypoints == 17 and codec.root_index == 0


def test_encode_keeps_pixels_and_makes_target_root_relative():
    uv, xyz = example()
    vis = np.ones((1, 17), np.float32)
    vis[0, 5] = 0.
    codec = PixelPoseLifting()
    enc = codec.encode(uv, vis, lifting_target=xyz,
                       lifting_target_visible=vis[0])
    # pixels untouched (no centring or scaling), only cast to float32
    assert enc['keypoint_labels'].dtype == np.float32
    np.testing.assert_allclose(enc['keypoint_labels'], uv, rtol=1e-6)
    np.testing.assert_array_equal(enc['keypoint_labels_visible'], vis)
    lab = enc['lifting_target_label']
    assert lab.shape == (1, 17, 3) and lab.dtype == np.float32
    assert (lab[:, 0] == 0).all()
    np.testing.assert_allclose(lab[0, 7], xyz[0, 7] - xyz[0, 0], atol=1e-6)
    np.testing.assert_allclose(enc['target_root'], xyz[:, 0], atol=1e-6)
    assert enc['target_root'].shape == (1, 3)
    np.testing.assert_array_equal(enc['lifting_target_weight'], vis)


def test_encode_other_root_and_defaults():
    uv, xyz = example(t=2)
    enc = PixelPoseLifting(root_index=3).encode(uv, lifting_target=xyz)
    assert (enc['lifting_target_label'][:, 3] == 0).all()
    np.testing.assert_allclose(enc['lifting_target_label'],
                               xyz - xyz[:, 3:4], atol=1e-6)
    np.testing.assert_allclose(enc['target_root'], xyz[:, 3], atol=1e-6)
    np.testing.assert_array_equal(enc['keypoint_labels_visible'],
                                  np.ones((2, 17)))
    np.testing.assert_array_equal(enc['lifting_target_weight'],
                                  np.ones((2, 17)))
    # 2D only (inference): no target keys
    enc = PixelPoseLifting().encode(uv)
    assert 'lifting_target_label' not in enc and 'target_root' not in enc


def test_wrong_joint_count():
    uv, xyz = example(k=16)
    with pytest.raises(ValueError, match='16 joints.*expects 17'):
        PixelPoseLifting(num_keypoints=17).encode(uv, lifting_target=xyz)


def test_decode_passes_through_and_adds_root():
    codec = PixelPoseLifting()
    rel = np.arange(2 * 17 * 3, dtype=np.float32).reshape(2, 17, 3)
    kpts, scores = codec.decode(rel)
    np.testing.assert_array_equal(kpts, rel)
    assert scores.shape == (2, 17) and (scores == 1).all()
    root = np.array([[1., 2., 3.], [4., 5., 6.]], np.float32)
    kpts, _ = codec.decode(rel, target_root=root)
    np.testing.assert_array_equal(kpts, rel + root[:, None])


def test_mmpose_pipeline_packs_pixels():
    """GenerateTarget + PackPoseInputs as in the ZeDO config: the packed
    input is the (T, K, 2) pixel tensor, the label the root-relative 3D."""
    uv, xyz = example()
    results = dict(keypoints=uv.astype(np.float32),
                   keypoints_visible=np.ones((1, 17), np.float32),
                   lifting_target=xyz.astype(np.float32),  # (1, K, 3)
                   lifting_target_visible=np.ones((1, 17), np.float32),
                   camera_param=dict(f=np.ones((2, 1)), c=np.zeros((2, 1))))
    codec = dict(type='PixelPoseLifting', num_keypoints=17)
    results = GenerateTarget(encoder=codec)(results)
    packed = PackPoseInputs(meta_keys=('target_root', 'camera_param'))(
        results)
    inputs = packed['inputs']
    assert isinstance(inputs, torch.Tensor) and inputs.shape == (1, 17, 2)
    torch.testing.assert_close(inputs, torch.from_numpy(uv).float())
    ds = packed['data_samples']
    label = np.asarray(ds.gt_instance_labels.lifting_target_label)
    np.testing.assert_allclose(label.reshape(17, 3), xyz[0] - xyz[0, 0],
                               atol=1e-6)
    np.testing.assert_allclose(ds.metainfo['target_root'].reshape(3),
                               xyz[0, 0], atol=1e-6)
