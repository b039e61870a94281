"""ZeDOLifter: initial poses, predict() outputs, camera handling,
aggregation, and a real Human3.6M consistency check (rays, distortion and LS
translation against the real cameras)."""
import math
import pickle
import warnings

import numpy as np
import pytest
import torch
from mmengine.structures import InstanceData
from mmpose.registry import MODELS
from mmpose.structures import PoseDataSample

from poselift_mm.geometry import camera_from_pkl, project_to_pixels
from poselift_mm.models.heads.score_head import load_initial_poses
from poselift_mm.models.pose_estimators.zedo_lifter import ZeDOLifter

TINY = dict(type='ZeDOScoreMLP', hidden_dim=64, embed_dim=32, num_groups=8)
FAST = dict(ipo=dict(iters=20), oil=dict(iters=5))
F_PX = np.array([1145., 1143.])
C_PX = np.array([512., 515.])

# standing Human3.6M-17 pose, camera frame (y down), metres, pelvis at 0
POSE = np.array(
    [[0., 0., 0.], [-0.13, 0., 0.02], [-0.14, 0.45, 0.03], [-0.15, 0.88, 0.08],
     [0.13, 0., -0.02], [0.14, 0.45, 0.], [0.15, 0.88, 0.05],
     [0., -0.23, 0.02], [0., -0.48, 0.03], [0., -0.58, -0.06], [0., -0.68, 0.],
     [0.16, -0.45, 0.03], [0.30, -0.25, 0.05], [0.35, -0.02, -0.10],
     [-0.16, -0.45, 0.03], [-0.30, -0.25, 0.02], [-0.33, -0.03, -0.12]],
    np.float32)


@pytest.fixture(autouse=True, scope='module')
def one_thread():
    """Tiny tensors: one intra-op thread avoids oversubscription (30x
    faster here while another job uses the cores)."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def rot_y(deg):
    a = math.radians(deg)
    return np.array([[math.cos(a), 0, math.sin(a)], [0, 1, 0],
                     [-math.sin(a), 0, math.cos(a)]], np.float32)


def write_clusters(path, clusters, counts=None, **extra):
    arrays = dict(clusters=np.asarray(clusters, np.float32), **extra)
    if counts is not None:
        arrays['counts'] = np.asarray(counts)
    np.savez(path, **arrays)
    return str(path)


@pytest.fixture
def clusters_file(tmp_path):
    """3 clusters, NOT root-relative (offset), counts 1, 5, 3."""
    c = np.stack([POSE, POSE @ rot_y(30).T * 1.05, POSE @ rot_y(-20).T * 0.95])
    c = c + np.array([0.5, -0.2, 0.1], np.float32)
    return write_clusters(tmp_path / 'clusters.npz', c, counts=[1, 5, 3])


def build(clusters_file, num=3, **test_cfg):
    torch.manual_seed(0)
    cfg = dict(type='ZeDOLifter', head=dict(type='ScoreHead', denoiser=TINY),
               init_poses=dict(file=clusters_file, num=num),
               test_cfg={**FAST, **test_cfg})
    return MODELS.build(cfg).eval()


def make_sample(camera=None, visible=None, **meta):
    ds = PoseDataSample()
    gi = InstanceData()
    gi.keypoints_visible = (np.ones((1, 17), np.float32)
                            if visible is None else visible)
    ds.gt_instances = gi
    if camera is None:
        camera = dict(f=F_PX.reshape(2, 1), c=C_PX.reshape(2, 1))
    ds.set_metainfo(dict(camera_param=camera, **meta))
    return ds


def scene(b=3):
    """(B, 17, 2) px projections of turned POSEs at 4-5 m."""
    T = np.array([[0.1, 0.2, 4.0], [-0.3, 0.1, 4.6], [0.2, -0.1, 5.0]])[:b]
    x = np.stack([POSE @ rot_y(a).T for a in (10., -35., 60.)][:b])
    uv = project_to_pixels(x + T[:, None], F_PX, C_PX)
    return torch.from_numpy(uv).float()


def pack(uv):
    """(B, K, 2) -> (B, K*2, 1), mmpose keypoints_to_tensor after the
    codec's (K, C, T) reshape: channel index = 2 k + c."""
    return uv.reshape(uv.shape[0], -1, 1)


def predict(model, uv, samples=None, layout='flat'):
    samples = samples or [make_sample() for _ in range(len(uv))]
    inputs = pack(uv) if layout == 'flat' else uv[:, None]  # (B, 1, K, 2)
    return [ds.pred_instances for ds in model(inputs, samples,
                                              mode='predict')]


# ---- initial poses -------------------------------------------------------
def test_load_initial_poses_sorted_and_root_relative(clusters_file):
    raw = np.load(clusters_file)['clusters']
    got = load_initial_poses(clusters_file, 3, 17)
    assert got.dtype == torch.float32 and got.shape == (3, 17, 3)
    order = [1, 2, 0]  # counts 5, 3, 1
    np.testing.assert_allclose(got.numpy(), raw[order] - raw[order, :1],
                               atol=1e-6)
    assert (got[:, 0] == 0).all()
    top = load_initial_poses(clusters_file, 1, 17)
    torch.testing.assert_close(top, got[:1])
    # root index 7
    r7 = load_initial_poses(clusters_file, 2, 17, root_index=7)
    assert (r7[:, 7] == 0).all()
    # no counts: file order
    path = write_clusters(clusters_file.replace('.npz', '_nc.npz'), raw)
    np.testing.assert_allclose(load_initial_poses(path, 3, 17).numpy(),
                               raw - raw[:, :1], atol=1e-6)


def test_load_initial_poses_errors(tmp_path):
    c = np.stack([POSE] * 3)
    bad_key = str(tmp_path / 'bad_key.npz')
    np.savez(bad_key, centers=c)
    with pytest.raises(ValueError, match="bad_key.npz: key 'clusters': missing"):
        load_initial_poses(bad_key, 1, 17)
    wrong = write_clusters(tmp_path / 'wrong.npz', c[:, :16])
    with pytest.raises(ValueError, match=r'wrong.npz.*clusters.*16'):
        load_initial_poses(wrong, 1, 17)
    few = write_clusters(tmp_path / 'few.npz', c)
    with pytest.raises(ValueError, match='few.npz.*4 hypotheses asked for.*3 poses'):
        load_initial_poses(few, 4, 17)
    nan = c.copy()
    nan[1, 3, 0] = np.nan
    nanf = write_clusters(tmp_path / 'nan.npz', nan)
    with pytest.raises(ValueError, match='nan.npz.*NaN'):
        load_initial_poses(nanf, 1, 17)
    with pytest.raises(ValueError, match='missing.npz'):
        load_initial_poses(str(tmp_path / 'missing.npz'), 1, 17)
    with pytest.raises(ValueError, match='has 3 poses'):
        build(few, num=5)


# ---- predict -------------------------------------------------------------
def test_predict_fields_and_shapes(clusters_file):
    model = build(clusters_file)
    assert isinstance(model, ZeDOLifter)
    assert model.head.initial_poses.shape == (3, 17, 3)
    preds = predict(model, scene(2))
    assert len(preds) == 2
    for p in preds:
        assert p.keypoints.shape == (1, 17, 3)
        assert (p.keypoints[0, 0] == 0).all()
        assert p.keypoint_scores.shape == (1, 17)
        assert p.hypotheses.shape == (1, 3, 17, 3)
        assert (p.hypotheses[0, :, 0] == 0).all()
        assert p.hypotheses_reproj_error.shape == (1, 3, 17)
        assert (p.hypotheses_reproj_error >= 0).all()
        assert p.keypoint_spread.shape == (1, 17)
        assert (p.keypoint_spread >= 0).all()
        assert p.translation.shape == (1, 3) and p.translation[0, 2] > 0
        for key in ('keypoints', 'hypotheses', 'hypotheses_reproj_error',
                    'keypoint_spread', 'translation'):
            assert np.isfinite(p[key]).all(), key
        # spread: RMS distance of the hypotheses to their mean
        h = p.hypotheses[0]
        spread = np.sqrt(((h - h.mean(0))**2).sum(-1).mean(0))
        np.testing.assert_allclose(p.keypoint_spread[0], spread, atol=1e-6)
        # min_reproj: the output is the hypothesis of least mean error
        best = p.hypotheses_reproj_error[0].mean(-1).argmin()
        np.testing.assert_array_equal(p.keypoints[0], h[best])
    no_h = build(clusters_file, return_hypotheses=False)
    p = predict(no_h, scene(1))[0]
    assert 'hypotheses' not in p and p.keypoints.shape == (1, 17, 3)


def test_predict_batch_equals_one_by_one(clusters_file):
    model = build(clusters_file)
    model.train()  # predict must switch to eval (no dropout) and back
    uv = scene(3)
    batch = predict(model, uv)
    assert model.training
    keys = ('keypoints', 'hypotheses', 'translation', 'keypoint_spread',
            'hypotheses_reproj_error')
    for i in range(3):
        one = predict(model, uv[i:i + 1])[0]
        for key in keys:
            tol = 1e-3 if key == 'hypotheses_reproj_error' else 1e-4  # px
            np.testing.assert_allclose(batch[i][key], one[key], rtol=0,
                                       atol=tol, err_msg=key)
    # the (B, T, K, 2) layout and small chunks give the same result
    again = predict(build(clusters_file, chunk_size=1), uv, layout='btk2')
    for i in range(3):
        for key in keys:
            np.testing.assert_allclose(again[i][key], batch[i][key], rtol=0,
                                       atol=1e-3 if 'reproj' in key else 1e-4,
                                       err_msg=key)


def test_predict_input_errors(clusters_file):
    model = build(clusters_file)
    uv = scene(3)
    uv[1, 4, 0] = float('nan')
    with pytest.raises(ValueError, match=r'NaN/inf 2D keypoints.*\[1\]'):
        predict(model, uv)
    uv = scene(2)
    with pytest.raises(ValueError, match='expected 17 2D keypoints'):
        model(uv[:, :16].reshape(2, 32, 1),
              [make_sample() for _ in range(2)], mode='predict')
    with pytest.raises(ValueError, match=r'\(\.\.\., 17, 2\)'):
        model(uv[:, None, :16], [make_sample() for _ in range(2)],
              mode='predict')


def test_no_intrinsics_is_an_error(clusters_file):
    model = build(clusters_file)
    samples = [make_sample(), make_sample(camera={})]
    with pytest.raises(ValueError, match='sample 1 has no camera intrinsics'):
        predict(model, scene(2), samples)


def test_image_size_only_warns_once_and_uses_the_diagonal(clusters_file):
    w, h = 1000, 1002
    uv = scene(2)
    ref = predict(build(clusters_file), uv, [
        make_sample(dict(f=np.full((2, 1), np.hypot(w, h)),
                         c=np.array([[w / 2], [h / 2]]))) for _ in range(2)])
    model = build(clusters_file)
    with pytest.warns(UserWarning, match='no camera intrinsics.*f=1416'):
        got = predict(model, uv,
                      [make_sample(dict(w=w, h=h)) for _ in range(2)])
    for a, b in zip(got, ref):
        np.testing.assert_allclose(a.keypoints, b.keypoints, atol=1e-5)
        np.testing.assert_allclose(a.translation, b.translation, atol=1e-5)
    with warnings.catch_warnings():
        warnings.simplefilter('error')  # once per model
        predict(model, uv, [make_sample(dict(w=w, h=h)) for _ in range(2)])
    # ori_shape (h, w) also works; default_focal overrides the diagonal
    with pytest.warns(UserWarning, match='f=1200'):
        a = predict(build(clusters_file, default_focal=1200.), uv[:1],
                    [make_sample({}, ori_shape=(h, w))])[0]
    b = predict(build(clusters_file), uv[:1], [
        make_sample(dict(f=np.full((2, 1), 1200.),
                         c=np.array([[w / 2], [h / 2]])))])[0]
    np.testing.assert_allclose(a.keypoints, b.keypoints, atol=1e-5)


def test_zero_confidences_act_as_uniform(clusters_file):
    model = build(clusters_file)
    uv = scene(2)
    ones = predict(model, uv)
    zeros = predict(model, uv, [
        make_sample(visible=np.zeros((1, 17), np.float32)) for _ in range(2)
    ])
    for a, b in zip(zeros, ones):
        assert np.isfinite(a.keypoints).all()
        np.testing.assert_allclose(a.keypoints, b.keypoints, atol=1e-4)


def test_uniform_confidence_scale_does_not_matter(clusters_file):
    """Confidences of 0.5 everywhere weigh like ones (c^4 cancels)."""
    model = build(clusters_file)
    uv = scene(2)
    ones = predict(model, uv)
    half = predict(model, uv, [
        make_sample(visible=np.full((1, 17), 0.5, np.float32))
        for _ in range(2)
    ])
    for a, b in zip(half, ones):
        np.testing.assert_allclose(a.keypoints, b.keypoints, atol=1e-4)


# ---- aggregation ---------------------------------------------------------
def aggregate_inputs():
    g = torch.Generator().manual_seed(0)
    hyps = torch.randn(2, 3, 17, 3, generator=g)
    reproj = torch.empty(2, 3, 17)
    reproj[0] = torch.tensor([1., 0.5, 3.])[:, None]  # best: 1
    # sample 1: hyp 0 is bad only on low-confidence joints 0..7
    reproj[1, 0] = 0.
    reproj[1, 0, :8] = 10.
    reproj[1, 1] = 2.
    reproj[1, 2] = 3.
    conf = torch.ones(2, 17)
    conf[1, :8] = 1e-4
    return hyps, reproj, conf


@pytest.mark.parametrize('mode', ['min_reproj', 'mean', 'median'])
def test_aggregate(clusters_file, mode):
    model = build(clusters_file, aggregate=mode)
    hyps, reproj, conf = aggregate_inputs()
    out, best = model.head.aggregate(hyps, reproj, conf, model.test_cfg)
    assert out.shape == (2, 17, 3) and best.shape == (2, )
    if mode == 'min_reproj':
        # sample 1 picks hyp 0 only because of the confidence weighting
        # (unweighted its mean error is 80/17 > 2)
        assert best.tolist() == [1, 0]
        torch.testing.assert_close(out[0], hyps[0, 1], rtol=0, atol=0)
        torch.testing.assert_close(out[1], hyps[1, 0], rtol=0, atol=0)
        return
    assert best.tolist() == [-1, -1]
    if mode == 'mean':
        torch.testing.assert_close(out[1, 5, 2], hyps[1, :, 5, 2].sum() / 3)
        torch.testing.assert_close(out, hyps.mean(1))
    else:
        vals = sorted(hyps[0, :, 9, 1].tolist())
        assert out[0, 9, 1].item() == vals[1]
        np.testing.assert_allclose(out.numpy(),
                                   np.median(hyps.numpy(), axis=1), atol=0)


def test_bad_aggregate_mode(clusters_file):
    with pytest.raises(ValueError, match='aggregate'):
        build(clusters_file, aggregate='max')


# ---- training path -------------------------------------------------------
def test_loss_uses_only_the_3d_target(clusters_file):
    model = build(clusters_file)
    model.train()
    samples = []
    for i in range(4):
        ds = PoseDataSample()
        labels = InstanceData()
        labels.lifting_target_label = torch.from_numpy(POSE[None] * (1 + i /
                                                                      10))
        ds.gt_instance_labels = labels
        samples.append(ds)
    losses = model(torch.full((4, 34, 1), float('nan')), samples, mode='loss')
    assert set(losses) == {'loss_dsm'} and torch.isfinite(losses['loss_dsm'])
    losses['loss_dsm'].backward()
    assert model.head.denoiser.pre_dense.weight.grad.abs().sum() > 0


# ---- real Human3.6M frames -----------------------------------------------
def real_frames(h36m_samples):
    d = np.load(h36m_samples / 'test_h36m_body3d.npz')
    with open(h36m_samples / 'cameras.pkl', 'rb') as f:
        cams = pickle.load(f)
    frames = []
    for i, name in enumerate(d['imgname']):
        subject, folder = str(name).split('/')[:2]
        cam = camera_from_pkl(cams, subject, folder.split('.')[1])
        frames.append(
            dict(gt=d['S'][i, :, :3].astype(np.float32),
                 uv=d['part'][i, :, :2].astype(np.float32),
                 vis=d['part'][i, :, 2].astype(np.float32),
                 camera={k: cam[k]
                         for k in ('f', 'c', 'k', 'p', 'w', 'h')}))
    assert len(frames) == 4
    return frames


def rot_z(deg):
    a = math.radians(deg)
    return np.array([[math.cos(a), -math.sin(a), 0], [math.sin(a),
                                                      math.cos(a), 0],
                     [0, 0, 1]], np.float32)


def lift_from_gt(tmp_path, frame, i, start_rot=None, **test_cfg):
    """GT root-relative pose (times ``start_rot``^T) as the only start,
    zero predicted noise."""
    rel = frame['gt'] - frame['gt'][:1]
    start = rel if start_rot is None else rel @ start_rot
    path = write_clusters(tmp_path / f'gt{i}.npz', start[None])
    model = build(path, num=1, **test_cfg)
    torch.nn.init.zeros_(model.head.denoiser.post_dense.weight)
    torch.nn.init.zeros_(model.head.denoiser.post_dense.bias)
    sample = make_sample(frame['camera'], visible=frame['vis'][None])
    uv = torch.from_numpy(frame['uv'])[None]
    return predict(model, uv, [sample])[0]


def test_real_h36m_gt_start_is_a_fixed_point(h36m_samples, tmp_path):
    """IPO off (R = I), LS translation from the first OIL step, 3
    'corrected' steps with zero noise: each step only scales the pose by
    1 + beta(t)/2 dt, so the result is GT * prod(k) and the translation
    GT_root * prod(k[:-1]) -- exact only if the real cameras' rays
    (undistorted) and the LS translation agree with MMPose's 2D."""
    oil_cfg = dict(iters=3, t_start=0.1, t_end=0.01, mode='corrected',
                   fix_translation_frac=0.)
    ts = np.array([0.1, 0.055, 0.01])
    k = 1 + 0.5 * (0.1 + 19.9 * ts) * 0.045
    for i, fr in enumerate(real_frames(h36m_samples)):
        rel = fr['gt'] - fr['gt'][:1]
        p = lift_from_gt(tmp_path, fr, i, ipo=dict(iters=0), oil=oil_cfg)
        err_mm = np.abs(p.keypoints[0] - rel * k.prod()).max() * 1000
        assert err_mm < 1., (i, err_mm)
        # the raw output is 8 % larger than GT (zero noise expands it)
        assert np.abs(p.keypoints[0] - rel).max() > 0.03
        t_err_mm = np.abs(p.translation[0] -
                          fr['gt'][0] * k[:2].prod()).max() * 1000
        assert t_err_mm < 2., (i, t_err_mm)
        # without undistortion the rays are off: centimetres of depth
        p = lift_from_gt(tmp_path, fr, i, ipo=dict(iters=0), oil=oil_cfg,
                         use_distortion=False)
        t_err_mm = np.abs(p.translation[0] -
                          fr['gt'][0] * k[:2].prod()).max() * 1000
        assert t_err_mm > 10., (i, t_err_mm)


def test_real_h36m_ipo_and_oil_recover_gt(h36m_samples, tmp_path):
    """Start from GT turned by 15 deg about the camera z axis (80-135 mm
    MPJPE), full IPO (distorted projection) then 2 zero-noise 'corrected'
    OIL steps at tiny t (scale change < 1e-5): the lifted root-relative pose
    is GT within a few mm, the root within a few mm too."""
    for i, fr in enumerate(real_frames(h36m_samples)):
        rel = fr['gt'] - fr['gt'][:1]
        start_mm = np.linalg.norm(rel @ rot_z(15.) - rel, axis=-1).mean()
        assert start_mm * 1000 > 50.
        p = lift_from_gt(tmp_path, fr, i, start_rot=rot_z(15.),
                         ipo=dict(iters=200, lr=0.02, depth=4.),
                         oil=dict(iters=2, t_start=1e-4, t_end=5e-5,
                                  mode='corrected', fix_translation_frac=0.))
        err_mm = np.linalg.norm(p.keypoints[0] - rel, axis=-1).mean() * 1000
        assert err_mm < 2., (i, err_mm)
        root_mm = np.linalg.norm(p.translation[0] - fr['gt'][0]) * 1000
        assert root_mm < 5., (i, root_mm)
