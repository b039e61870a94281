import numpy as np
import pytest
import torch
from mmcv.transforms import Compose
from mmengine.registry import DefaultScope
from mmpose.registry import TRANSFORMS

from poselift_mm.datasets.transforms.keypoint_adapters import \
    ConvertKeypointsToH36M
from poselift_mm.geometry.keypoint_formats import convert_keypoints

H36M_FLIP = [0, 4, 5, 6, 1, 2, 3, 7, 8, 9, 10, 14, 15, 16, 11, 12, 13]


def halpe_sample(num_frames=1):
    """A Halpe-26 sample shaped like BaseMocapDataset's (T, K, 2)."""
    j = np.arange(26, dtype=np.float32)
    kpts = np.broadcast_to(np.stack([j, 100 + j], -1),
                           (num_frames, 26, 2)).copy()
    vis = np.ones((num_frames, 26), dtype=np.float32)
    vis[:, 19] = 0.0  # Halpe 'hip' unlabelled
    return dict(keypoints=kpts, keypoints_visible=vis,
                lifting_target=np.zeros((1, 17, 3), dtype=np.float32),
                lifting_target_visible=np.ones((1, 17), dtype=np.float32),
                camera_param={}, flip_indices=list(range(26)),
                target_img_path=['S1_x.cam_000001.jpg'], id=0)


def test_registered_and_repr():
    t = TRANSFORMS.build(dict(type='ConvertKeypointsToH36M', src='halpe26'))
    assert isinstance(t, ConvertKeypointsToH36M)
    assert repr(t) == "ConvertKeypointsToH36M(src='halpe26')"


def test_converts_keypoints_scores_and_metainfo():
    rng = np.random.default_rng(0)
    kpts = rng.uniform(0, 1000, size=(2, 17, 2)).astype(np.float32)
    scores = rng.uniform(size=(2, 17)).astype(np.float32)
    vis = np.ones((2, 17), dtype=np.float32)
    vis[1, 2] = 0.0  # right eye of person 1
    results = dict(keypoints=kpts.copy(), keypoint_scores=scores.copy(),
                   keypoints_visible=vis.copy(), flip_indices=[0] * 17,
                   flip_pairs=[], skeleton_links=[], img_path='a.jpg')
    out = ConvertKeypointsToH36M('coco')(results)
    ref, ref_s = convert_keypoints(kpts, scores, src='coco')
    np.testing.assert_array_equal(out['keypoints'], ref)
    np.testing.assert_array_equal(out['keypoint_scores'], ref_s)
    assert out['keypoints_visible'].shape == (2, 17)
    assert out['keypoints_visible'][1, 10] == 0  # head <- mid(eyes)
    assert out['keypoints_visible'].sum() == 2 * 17 - 1
    assert out['flip_indices'] == H36M_FLIP
    assert (4, 1) in out['flip_pairs'] and (0, 7) in out['skeleton_links']
    assert 'upper_body_ids' not in out  # only keys already present change


def test_visible_weight_pairs_and_torch():
    kpts = torch.zeros(1, 26, 2)
    pairs = np.ones((1, 26, 2), dtype=np.float32)
    pairs[0, 18, 0] = 0.0  # neck invisible
    pairs[0, 19, 1] = 0.25  # hip weight
    out = ConvertKeypointsToH36M('halpe26')(
        dict(keypoints=kpts, keypoints_visible=pairs))
    assert isinstance(out['keypoints'], torch.Tensor)
    assert out['keypoints'].shape == (1, 17, 2)
    v = out['keypoints_visible']
    assert v.shape == (1, 17, 2)
    np.testing.assert_array_equal(v[0, [0, 7, 8], 0], [1, 0, 0])
    np.testing.assert_array_equal(v[0, [0, 7, 8], 1], [0.25, 0.25, 1])


def test_inside_compose_before_a_lifting_codec():
    """Halpe-26 -> H36M, flip with H36M's indices, encode with MMPose's
    ImagePoseLifting (its keypoints_mean asserts 17 joints)."""
    pipeline = [
        dict(type='ConvertKeypointsToH36M', src='halpe26'),
        dict(type='RandomFlipAroundRoot', keypoints_flip_cfg=dict(),
             target_flip_cfg=dict(), flip_prob=1.0),
        dict(type='GenerateTarget',
             encoder=dict(type='ImagePoseLifting', num_keypoints=17,
                          root_index=0, reshape_keypoints=False,
                          concat_vis=True,
                          keypoints_mean=np.zeros((17, 2)),
                          keypoints_std=np.ones((17, 2)))),
    ]
    with DefaultScope.overwrite_default_scope('mmpose'):
        compose = Compose(pipeline)
        out = compose(halpe_sample())
        labels = out['keypoint_labels']
        assert labels.shape == (1, 17, 3)  # x, y, visibility
        # flipped about x = 0.5: x -> 1 - x, left/right swapped
        root, spine, r_hip, l_hip = labels[0, [0, 7, 1, 4]]
        np.testing.assert_allclose(root, [1 - 19, 119, 0])  # hip unlabelled
        np.testing.assert_allclose(spine, [1 - 18.5, 118.5, 0])
        np.testing.assert_allclose(r_hip, [1 - 11, 111, 1])  # was left hip
        np.testing.assert_allclose(l_hip, [1 - 12, 112, 1])
        # without the adapter the same pipeline cannot encode 26 joints
        with pytest.raises(AssertionError, match='keypoints_mean'):
            Compose(pipeline[2:])(halpe_sample())


def test_leading_time_dim():
    out = ConvertKeypointsToH36M('halpe26')(halpe_sample(num_frames=9))
    assert out['keypoints'].shape == (9, 17, 2)
    assert out['keypoints_visible'].shape == (9, 17)


def test_errors_name_the_sample_and_problem():
    t = ConvertKeypointsToH36M('coco')
    with pytest.raises(ValueError, match=r"sample \['S1_x.cam_000001.jpg'\]"
                       r".*keypoints: src='coco' needs 17 joints, got 26"):
        t(halpe_sample())
    kpts = np.zeros((1, 17, 2))
    kpts[0, 5, 1] = np.nan
    with pytest.raises(ValueError, match=r'sample b.jpg.*non-finite'):
        t(dict(keypoints=kpts, img_path='b.jpg'))
    with pytest.raises(ValueError, match=r"keypoint_scores: expected shape "
                       r'\(1, 17\)'):
        t(dict(keypoints=np.zeros((1, 17, 2)),
               keypoint_scores=np.zeros((1, 26))))
    with pytest.raises(ValueError, match=r"no 'keypoints'"):
        t(dict(img_path='c.jpg'))
    with pytest.raises(TypeError, match=r'sample 3.*numpy array or torch'):
        t(dict(keypoints=[[0, 0]] * 17, id=3))
    with pytest.raises(ValueError, match=r"src='mpii' is not a known"):
        ConvertKeypointsToH36M('mpii')


def test_failed_sample_is_left_unchanged():
    results = dict(keypoints=np.zeros((1, 17, 2)),
                   keypoints_visible=np.zeros((1, 26)), flip_indices=[1])
    with pytest.raises(ValueError, match='keypoints_visible'):
        ConvertKeypointsToH36M('coco')(results)
    assert results['keypoints'].shape == (1, 17, 2)
    assert results['flip_indices'] == [1]


def test_zero_visibility_is_not_an_error():
    s = halpe_sample()
    s['keypoints_visible'][:] = 0
    out = ConvertKeypointsToH36M('halpe26')(s)
    assert (out['keypoints_visible'] == 0).all()
