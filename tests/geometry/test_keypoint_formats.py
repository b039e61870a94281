import numpy as np
import pytest
import torch
from mmpose.apis import convert_keypoint_definition
from mmpose.datasets.datasets.utils import parse_pose_metainfo

from poselift_mm.geometry.keypoint_formats import (COCO17_NAMES,
                                                   HALPE26_NAMES,
                                                   KEYPOINT_FORMATS,
                                                   convert_keypoints,
                                                   convert_scores,
                                                   h36m_sources)
from poselift_mm.geometry.skeleton import H36M17_NAMES


def mmpose_meta(name):
    return parse_pose_metainfo(
        dict(from_file=f'configs/_base_/datasets/{name}.py'))


@pytest.fixture(scope='module')
def metas():
    with pytest.warns(UserWarning):  # relative path resolved in mmpose/.mim
        return {n: mmpose_meta(n) for n in ('coco', 'halpe26', 'halpe',
                                            'h36m')}


def names_of(meta):
    ids = meta['keypoint_id2name']
    return tuple(ids[i] for i in range(meta['num_keypoints']))


def test_joint_names_match_mmpose_metainfo(metas):
    assert names_of(metas['coco']) == COCO17_NAMES
    assert names_of(metas['halpe26']) == HALPE26_NAMES
    assert names_of(metas['halpe'])[:26] == HALPE26_NAMES
    assert metas['halpe']['num_keypoints'] == KEYPOINT_FORMATS['halpe'][0]
    assert names_of(metas['h36m']) == H36M17_NAMES


# ---------------------------------------------------------------- COCO ----
def test_coco_hand_checked_values():
    # COCO joint j at (j, 10 j): every output coordinate is easy to derive
    j = np.arange(17, dtype=np.float64)
    kpts = np.stack([j, 10 * j], -1)[None]  # (1, 17, 2)
    scores = np.ones((1, 17))
    scores[0, 12] = 0.0  # right hip missing
    scores[0, 6] = 0.4  # right shoulder unsure
    scores[0, 1], scores[0, 2] = 0.2, 0.7  # eyes
    scores[0, 0] = 0.9  # nose
    out, s = convert_keypoints(kpts, scores, src='coco')
    expected = np.array([
        [11.5, 115],  # root = mid(l_hip 11, r_hip 12)
        [12, 120], [14, 140], [16, 160],  # right hip, knee, foot(ankle)
        [11, 110], [13, 130], [15, 150],  # left hip, knee, foot(ankle)
        [8.5, 85],  # spine = mid(root (11.5, 115), thorax (5.5, 55))
        [5.5, 55],  # thorax = mid(l_sh 5, r_sh 6)
        [0, 0],  # neck_base = nose
        [1.5, 15],  # head = mid(l_eye 1, r_eye 2)
        [5, 50], [7, 70], [9, 90],  # left shoulder, elbow, wrist
        [6, 60], [8, 80], [10, 100],  # right shoulder, elbow, wrist
    ])
    np.testing.assert_array_equal(out[0], expected)
    expected_s = np.ones(17)
    expected_s[[0, 1, 7]] = 0.0  # root, right_hip, spine: r_hip missing
    expected_s[8] = 0.4  # thorax: min(1, 0.4)
    expected_s[14] = 0.4  # right shoulder copied
    expected_s[9] = 0.9  # neck_base <- nose
    expected_s[10] = 0.2  # head: min(0.2, 0.7)
    np.testing.assert_array_equal(s[0], expected_s)


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('channels', [2, 3])
def test_coco_equals_mmpose_converter(dtype, channels):
    rng = np.random.default_rng(7)
    kpts = (rng.normal(size=(64, 17, channels)) * 400 + 500).astype(dtype)
    ours, _ = convert_keypoints(kpts, src='coco')
    theirs = convert_keypoint_definition(kpts, 'coco', 'h36m')
    assert ours.dtype == theirs.dtype == dtype
    np.testing.assert_array_equal(ours, theirs)  # bit for bit
    # and for MMPose's h36m -> h36m (identity)
    np.testing.assert_array_equal(
        convert_keypoints(ours, src='h36m')[0],
        convert_keypoint_definition(ours, 'h36m', 'h36m'))


def test_mmpose_has_no_halpe_rule():
    # the reason Halpe follows MotionBERT's mapping (module docstring)
    with pytest.raises(NotImplementedError):
        convert_keypoint_definition(np.zeros((1, 26, 2)), 'halpe26', 'h36m')


# --------------------------------------------------------------- Halpe ----
def test_halpe26_hand_checked_values():
    j = np.arange(26, dtype=np.float64)
    kpts = np.stack([j, -j], -1)  # (26, 2): no leading dims
    scores = np.ones(26)
    scores[19] = 0.3  # hip
    scores[18] = 0.8  # neck
    scores[17] = 0.6  # head
    scores[1] = 0.0  # an eye: unused for Halpe (its own head joint is)
    out, s = convert_keypoints(kpts, scores, src='halpe26')
    assert out.shape == (17, 2) and s.shape == (17, )
    np.testing.assert_array_equal(out[0], [19, -19])  # root <- hip
    np.testing.assert_array_equal(out[7], [18.5, -18.5])  # mid(hip, neck)
    np.testing.assert_array_equal(out[8], [18, -18])  # thorax <- neck
    np.testing.assert_array_equal(out[9], [0, 0])  # neck_base <- nose
    np.testing.assert_array_equal(out[10], [17, -17])  # head <- head
    np.testing.assert_array_equal(out[[3, 6]], [[16, -16], [15, -15]])
    np.testing.assert_array_equal(s[[0, 7, 8, 9, 10]], [0.3, 0.3, 0.8, 1, 0.6])


# What each H36M joint is made of, written from the joint semantics (not
# from the module's table): mean of the named source joints.
HALPE_EXPECTED = {
    'root': ('hip', ), 'right_hip': ('right_hip', ),
    'right_knee': ('right_knee', ), 'right_foot': ('right_ankle', ),
    'left_hip': ('left_hip', ), 'left_knee': ('left_knee', ),
    'left_foot': ('left_ankle', ), 'spine': ('hip', 'neck'),
    'thorax': ('neck', ), 'neck_base': ('nose', ), 'head': ('head', ),
    'left_shoulder': ('left_shoulder', ), 'left_elbow': ('left_elbow', ),
    'left_wrist': ('left_wrist', ), 'right_shoulder': ('right_shoulder', ),
    'right_elbow': ('right_elbow', ), 'right_wrist': ('right_wrist', ),
}


@pytest.mark.parametrize('src', ['halpe26', 'halpe'])
def test_halpe_mapping_joint_by_joint_by_name(metas, src):
    meta, h36m = metas[src], metas['h36m']
    name2id = meta['keypoint_name2id']
    rng = np.random.default_rng(3)
    kpts = rng.uniform(0, 1000, size=(4, meta['num_keypoints'], 2))
    scores = rng.uniform(size=(4, meta['num_keypoints']))
    out, s = convert_keypoints(kpts, scores, src=src)
    assert sorted(h36m_sources(src)) == sorted(HALPE_EXPECTED)
    for name, sources in HALPE_EXPECTED.items():
        j = h36m['keypoint_name2id'][name]
        ids = [name2id[n] for n in sources]
        assert sorted(h36m_sources(src)[name]) == sorted(sources), name
        np.testing.assert_allclose(out[:, j], kpts[:, ids].mean(1),
                                   rtol=0, atol=1e-12, err_msg=name)
        np.testing.assert_array_equal(s[:, j], scores[:, ids].min(1), name)


def test_coco_sources_by_name(metas):
    src = h36m_sources('coco')
    assert src['root'] == ('left_hip', 'right_hip')
    assert sorted(src['spine']) == sorted(
        ('left_hip', 'right_hip', 'left_shoulder', 'right_shoulder'))
    assert src['head'] == ('left_eye', 'right_eye')
    assert src['neck_base'] == ('nose', )
    # joints copied by name (ankle -> foot) from MMPose's COCO metainfo
    coco, h36m = metas['coco'], metas['h36m']
    kpts = np.random.default_rng(1).normal(size=(17, 2))
    out, _ = convert_keypoints(kpts, src='coco')
    for name, j in h36m['keypoint_name2id'].items():
        if len(src[name]) == 1:
            other = coco['keypoint_name2id'][src[name][0]]
            np.testing.assert_array_equal(out[j], kpts[other], name)


# ------------------------------------------------ shapes, numpy, torch ----
def test_leading_dims_T_N():
    rng = np.random.default_rng(0)
    kpts = rng.normal(size=(5, 3, 26, 2)).astype(np.float32)  # (T, N, K, 2)
    scores = rng.uniform(size=(5, 3, 26)).astype(np.float32)
    out, s = convert_keypoints(kpts, scores, src='halpe26')
    assert out.shape == (5, 3, 17, 2) and s.shape == (5, 3, 17)
    assert out.dtype == s.dtype == np.float32
    flat, flat_s = convert_keypoints(kpts.reshape(15, 26, 2),
                                     scores.reshape(15, 26), src='halpe26')
    np.testing.assert_array_equal(out.reshape(15, 17, 2), flat)
    np.testing.assert_array_equal(s.reshape(15, 17), flat_s)
    # frame (2, 1) alone gives the same answer
    one, one_s = convert_keypoints(kpts[2, 1], scores[2, 1], src='halpe26')
    np.testing.assert_array_equal(one, out[2, 1])
    np.testing.assert_array_equal(one_s, s[2, 1])


def test_torch_in_torch_out_matches_numpy():
    rng = np.random.default_rng(0)
    kpts = rng.normal(size=(6, 2, 17, 3))
    scores = rng.uniform(size=(6, 2, 17))
    ref, ref_s = convert_keypoints(kpts, scores, src='coco')
    t = torch.tensor(kpts, dtype=torch.float32, requires_grad=True)
    out, s = convert_keypoints(t, torch.tensor(scores), src='coco')
    assert isinstance(out, torch.Tensor) and isinstance(s, torch.Tensor)
    assert out.dtype == torch.float32 and s.dtype == torch.float64
    np.testing.assert_allclose(out.detach().numpy(), ref, rtol=1e-6,
                               atol=1e-6)
    np.testing.assert_array_equal(s.numpy(), ref_s)
    out[..., 0, 0].sum().backward()  # root x = mid(hips): grad 1/2 each
    g = t.grad[..., 0].sum((0, 1))
    expected = torch.zeros(17)
    expected[[11, 12]] = 6 * 2 * 0.5
    torch.testing.assert_close(g, expected)


def test_outputs_are_copies_and_inputs_untouched():
    kpts = np.arange(34, dtype=np.float64).reshape(17, 2)
    scores = np.ones(17)
    before = kpts.copy()
    out, s = convert_keypoints(kpts, scores, src='h36m')
    np.testing.assert_array_equal(out, kpts)
    np.testing.assert_array_equal(s, scores)
    out[:] = -1
    s[:] = 0
    np.testing.assert_array_equal(kpts, before)
    assert (scores == 1).all()


def test_integer_keypoints_and_bool_visibility():
    kpts = np.zeros((17, 2), dtype=np.int64)
    kpts[11] = (1, 1)  # left hip; right hip at 0 -> pelvis at 0.5
    vis = np.ones(17, dtype=bool)
    vis[5] = False  # left shoulder invisible
    out, v = convert_keypoints(kpts, vis, src='coco')
    assert out.dtype == np.float64  # MMPose would truncate 0.5 to 0
    np.testing.assert_array_equal(out[0], [0.5, 0.5])
    assert v.dtype == bool
    assert not v[8] and not v[7] and not v[11]  # thorax, spine, l_shoulder
    assert v[[0, 1, 9, 10, 14]].all()
    tv = convert_scores(torch.from_numpy(vis), src='coco')
    assert tv.dtype == torch.bool
    np.testing.assert_array_equal(tv.numpy(), v)


def test_zero_scores_are_fine():
    out, s = convert_keypoints(np.zeros((2, 17, 2)), np.zeros((2, 17)))
    assert (s == 0).all() and out.shape == (2, 17, 2)


def test_scores_optional():
    out, s = convert_keypoints(np.zeros((17, 2)), src='coco')
    assert s is None and out.shape == (17, 2)


# ------------------------------------------------------------- errors ----
def test_wrong_joint_count():
    with pytest.raises(ValueError,
                       match=r"keypoints: src='coco' needs 17 joints, got 26"):
        convert_keypoints(np.zeros((3, 26, 2)), src='coco')
    with pytest.raises(ValueError,
                       match=r"src='halpe26' needs 26 joints, got 17"):
        convert_keypoints(torch.zeros(17, 2), src='halpe26')
    with pytest.raises(ValueError, match=r"scores: src='coco' needs 17"):
        convert_scores(np.zeros((3, 26)), src='coco')


def test_unknown_format_and_target():
    with pytest.raises(ValueError, match=r"src='openpose' is not a known "
                       r'keypoint format; known: coco, halpe26, halpe, h36m'):
        convert_keypoints(np.zeros((17, 2)), src='openpose')
    with pytest.raises(ValueError, match=r"dst='coco' is not supported"):
        convert_keypoints(np.zeros((17, 2)), src='h36m', dst='coco')
    with pytest.raises(ValueError, match=r"dst='smpl' is not a known"):
        convert_keypoints(np.zeros((17, 2)), dst='smpl')


def test_nan_and_bad_shapes():
    kpts = np.zeros((2, 17, 2))
    kpts[1, 4, 0] = np.nan
    with pytest.raises(ValueError, match=r'keypoints contain 1 non-finite'):
        convert_keypoints(kpts, src='coco')
    t = torch.zeros(17, 2)
    t[3, 1] = float('inf')
    with pytest.raises(ValueError, match='non-finite'):
        convert_keypoints(t, src='coco')
    scores = np.ones((2, 17))
    scores[0, 0] = np.nan
    with pytest.raises(ValueError, match=r'scores contain 1 non-finite'):
        convert_keypoints(np.zeros((2, 17, 2)), scores)
    with pytest.raises(ValueError, match=r'scores: expected shape '
                       r'keypoints.shape\[:-1\] = \(2, 17\), got shape '
                       r'\(17,\)'):
        convert_keypoints(np.zeros((2, 17, 2)), np.ones(17))
    with pytest.raises(ValueError, match=r'expected shape \(\.\.\., 17, 2 or '
                       r'3\).*got shape \(17, 4\)'):
        convert_keypoints(np.zeros((17, 4)))
    with pytest.raises(ValueError, match=r'got shape \(34,\)'):
        convert_keypoints(np.zeros(34))
    with pytest.raises(TypeError, match='numpy array or torch tensor'):
        convert_keypoints([[0, 0]] * 17)


# ---------------------------------------------------------- real data ----
def test_real_h36m_frames_pelvis_is_mid_hips(h36m_samples):
    """On real H36M frames, a COCO-style input built from the H36M limbs
    gives the true pelvis (mid-hips) within 0.5 px; thorax = mid-shoulders
    is MMPose's approximation (3-18 px off here, under half a shoulder
    width); limbs come back exactly."""
    part = np.load(h36m_samples / 'test_h36m_body3d.npz')['part'][..., :2]
    coco = np.zeros(part.shape[:1] + (17, 2))
    coco_names = list(COCO17_NAMES)
    for j, name in enumerate(H36M17_NAMES):
        src = name.replace('_foot', '_ankle')
        if src in coco_names:
            coco[:, coco_names.index(src)] = part[:, j]
    out, _ = convert_keypoints(coco, src='coco')
    limbs = [1, 2, 3, 4, 5, 6, 11, 12, 13, 14, 15, 16]
    np.testing.assert_array_equal(out[:, limbs], part[:, limbs])
    assert np.linalg.norm(out[:, 0] - part[:, 0], axis=-1).max() < 0.5
    shoulder_w = np.linalg.norm(part[:, 11] - part[:, 14], axis=-1)
    thorax_err = np.linalg.norm(out[:, 8] - part[:, 8], axis=-1)
    assert (thorax_err < 0.5 * shoulder_w).all()
