"""DiffPoseLifter built through MMPose's registry: frame (GCNPose) and video
(MixSTE) pose models, frozen vs trained backbone, predict() outputs,
hypotheses and their spread, input checks, aggregation and a checkpoint
round trip.

What the spread tests assert (derived from ``DiffPoseHead.sample``): with a
zero-noise denoiser, DDIM over (0, 12) maps the noised start back exactly,
so every hypothesis is ``init + sqrt((1 - abar_12) / abar_12) * z`` on the
xyz channels (noise scale 1 there) and the detector scores, which only
widen the uv channels, leave the xyz spread unchanged. Score-dependent xyz
spread can only come from a trained denoiser's response to the uv noise;
the uv widening itself is tested in test_diffpose_head.py.
"""
import math

import numpy as np
import pytest
import torch
import torch.nn as nn
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint
from mmengine.structures import InstanceData
from mmpose.registry import MODELS
from mmpose.structures import PoseDataSample

from poselift_mm.models.pose_estimators.diffpose_lifter import DiffPoseLifter

K = 17
ABAR = np.cumprod(1. - np.linspace(1e-4, 1e-3, 51)).astype(np.float32)
GCNPOSE = dict(type='GCNPose', num_joints=K, hid_dim=16, num_layers=1,
               num_heads=2)
MIXSTE = dict(type='MixSTE', num_frames=5, num_joints=K, embed_dim=16,
              depth=1, num_heads=2)
HEAD = dict(type='DiffPoseHead',
            denoiser=dict(type='GCNdiff', num_joints=K, hid_dim=16,
                          num_layers=1, num_heads=2),
            gmm=dict(type='GMMPrior', num_keypoints=K, num_components=2))
VIDEO_HEAD = dict(HEAD, gmm=None, uv_noise_scale=0.5)


@pytest.fixture(autouse=True, scope='module')
def one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    init_default_scope('mmpose')
    yield
    torch.set_num_threads(n)


class ZeroEps(nn.Module):

    def forward(self, x, t):
        return torch.zeros_like(x)


def build(video=False, head=True, seed=0, **kw):
    torch.manual_seed(seed)
    cfg = dict(type='DiffPoseLifter', backbone=MIXSTE if video else GCNPOSE,
               head=(VIDEO_HEAD if video else HEAD) if head else None, **kw)
    model = MODELS.build(cfg)
    assert isinstance(model, DiffPoseLifter)
    if head and not video:  # a fitted-looking 2-component error prior
        model.head.gmm.set_parameters(
            np.tile([0.7, 0.3], (K, 1)),
            np.stack([np.zeros((K, 2)), np.full((K, 2), 0.01)], 1),
            np.stack([np.full((K, 2), 0.004), np.full((K, 2), 0.02)], 1))
    return model


def make_uv(b=1, t=1, seed=0):
    """(B, T, K, 2) screen-normalised 2D."""
    g = torch.Generator().manual_seed(seed)
    return 0.3 * torch.randn(b, t, K, 2, generator=g)


def pack(uv):
    """(B, T, K, 2) -> PackPoseInputs' (B, K*2, T)."""
    b, t = uv.shape[:2]
    return uv.permute(0, 2, 3, 1).reshape(b, K * 2, t)


def make_samples(b=1, t=1, seed=0, scores=None):
    g = torch.Generator().manual_seed(seed + 100)
    out = []
    for i in range(b):
        y = 0.3 * torch.randn(t, K, 3, generator=g)
        ds = PoseDataSample()
        gi = InstanceData()
        gi.lifting_target = y + torch.tensor([0.1, -0.2, 4.])  # not centred
        gi.keypoints_visible = (torch.ones(t, K) if scores is None else
                                torch.as_tensor(scores[i]).float())
        gl = InstanceData()
        gl.lifting_target_label = y - y[:, :1]
        ds.gt_instances = gi
        ds.gt_instance_labels = gl
        out.append(ds)
    return out


def test_pack_matches_the_lifter_layout():
    uv = make_uv(2, 5)
    model = build(video=True)
    assert torch.equal(model.keypoints(pack(uv)), uv)


# ---------------------------------------------------------------- training --
@pytest.mark.parametrize('video', [False, True])
def test_pose_model_alone_trains_with_mpjpe(video):
    model = build(video=video, head=False)
    assert type(model.head).__name__ == 'PoseRegressionHead'
    assert model.train_backbone
    assert all(p.requires_grad for p in model.backbone.parameters())
    t = 5 if video else 1
    uv, samples = make_uv(3, t), make_samples(3, t)
    model.eval()  # deterministic value check
    loss = model.loss(pack(uv), samples)
    assert set(loss) == {'loss_pose'}
    with torch.no_grad():
        pred = model.backbone(uv) if video else model.backbone(
            uv.reshape(-1, K, 2)).reshape(3, t, K, 3)
    pred = pred - pred[..., :1, :]
    target = torch.stack(
        [s.gt_instance_labels.lifting_target_label for s in samples])
    expected = (pred - target).norm(dim=-1).mean()
    assert float(loss['loss_pose']) == pytest.approx(float(expected),
                                                     rel=1e-5)
    model.train()
    loss = model.loss(pack(uv), samples)['loss_pose']
    loss.backward()
    no_grad = {n for n, p in model.backbone.named_parameters()
               if p.grad is None}
    # GCNPose keeps the original's unused timestep MLP (never called)
    assert no_grad == (set() if video else {
        'temb.dense.0.weight', 'temb.dense.0.bias', 'temb.dense.1.weight',
        'temb.dense.1.bias'})


@pytest.mark.parametrize('video', [False, True])
def test_with_head_the_pose_model_is_frozen(video):
    model = build(video=video)
    assert model.with_head and not model.train_backbone
    assert not any(p.requires_grad for p in model.backbone.parameters())
    model.train()
    assert model.training and model.head.training
    assert not any(m.training for m in model.backbone.modules())
    t = 5 if video else 1
    loss = model.loss(pack(make_uv(4, t)), make_samples(4, t))
    assert set(loss) == {'loss_diff'}
    assert torch.isfinite(loss['loss_diff'])
    loss['loss_diff'].backward()
    assert all(p.grad is None for p in model.backbone.parameters())
    head_params = list(model.head.parameters())
    assert head_params and all(p.grad is not None for p in head_params)
    assert sum(float(p.grad.abs().sum()) for p in head_params) > 0


def test_video_head_trains_on_single_frames():
    """A frozen video pose model is not run in loss(): T = 1 is allowed."""
    model = build(video=True).train()
    loss = model.loss(pack(make_uv(8, 1)), make_samples(8, 1))
    assert set(loss) == {'loss_diff'} and torch.isfinite(loss['loss_diff'])


def test_train_backbone_true_with_head_gives_both_losses():
    model = build(train_cfg=dict(train_backbone=True)).train()
    assert all(p.requires_grad for p in model.backbone.parameters())
    loss = model.loss(pack(make_uv(2)), make_samples(2))
    assert set(loss) == {'loss_pose', 'loss_diff'}


# --------------------------------------------------------------- predict ---
def run_predict(model, uv, samples):
    with torch.no_grad():
        return model.eval().predict(pack(uv), samples)


@pytest.mark.parametrize('video', [False, True])
def test_predict_shapes_and_root(video):
    model = build(video=video, test_cfg=dict(return_hypotheses=True))
    t = 5 if video else 1
    out = run_predict(model, make_uv(2, t), make_samples(2, t))
    assert len(out) == 2
    shape = (1, 5, K) if video else (1, K)
    for ds in out:
        p = ds.pred_instances
        assert p.keypoints.shape == shape + (3, )
        assert p.keypoint_scores.shape == shape
        assert p.keypoint_spread.shape == shape
        assert p.hypotheses.shape == (1, 1) + shape[1:] + (3, )
        assert np.isfinite(p.keypoints).all()
        assert (p.keypoints[..., 0, :] == 0).all()  # root exactly 0
        assert (p.keypoint_spread == 0).all()       # H = 1
        assert np.abs(p.keypoints).max() > 1e-4


def test_clean_start_hypotheses_coincide():
    model = build(test_cfg=dict(num_hypotheses=8, start_noise=False,
                                return_hypotheses=True))
    out = run_predict(model, make_uv(1), make_samples(1))[0].pred_instances
    hyps = out.hypotheses[0]
    assert hyps.shape == (8, K, 3)
    np.testing.assert_allclose(hyps, np.broadcast_to(hyps[:1], hyps.shape),
                               rtol=0, atol=1e-7)
    assert out.keypoint_spread.max() < 1e-6


def test_stochastic_start_gives_distinct_hypotheses():
    model = build(test_cfg=dict(num_hypotheses=8, start_noise=True,
                                return_hypotheses=True))
    torch.manual_seed(0)
    out = run_predict(model, make_uv(1), make_samples(1))[0].pred_instances
    hyps = out.hypotheses[0]
    assert hyps.shape == (8, K, 3) and out.hypotheses.shape == (1, 8, K, 3)
    assert (hyps[:, 0] == 0).all()
    flat = hyps.reshape(8, -1)
    d = np.abs(flat[:, None] - flat[None]).max(-1)
    assert (d[~np.eye(8, dtype=bool)] > 1e-5).all()  # pairwise distinct
    spread = out.keypoint_spread[0]
    assert spread[0] == 0 and (spread[1:] > 0).all()
    np.testing.assert_allclose(out.keypoints[0], hyps.mean(0), atol=1e-6)
    rms = np.sqrt((np.linalg.norm(hyps - hyps.mean(0), axis=-1)**2).mean(0))
    np.testing.assert_allclose(spread, rms, rtol=1e-5, atol=1e-7)


def test_zero_denoiser_hypotheses_replayed_and_scaled_by_score():
    """hyps = init + c (z s - (z s)_root) on xyz, c = sqrt((1 - abar_12) /
    abar_12), z the global-RNG draw of the start noise, s = 1 / clamp(score,
    min_score, 1) (``xyz_noise_by_score``): joints with low 2D confidence
    spread more; with the option off the scores do not touch xyz."""
    model = build(test_cfg=dict(num_hypotheses=8, start_noise=True,
                                return_hypotheses=True)).eval()
    model.head.denoiser = ZeroEps()
    uv = make_uv(1)
    low = np.ones((1, 1, K), np.float32)
    low_joints = [3, 6, 13, 16]
    low[0, 0, low_joints] = 0.05  # clamped to min_score 0.1 -> s = 10
    res = {}
    for name, sc in (('high', None), ('low', low)):
        torch.manual_seed(21)
        res[name] = run_predict(model, uv, make_samples(
            1, scores=sc))[0].pred_instances
    torch.manual_seed(21)
    z = torch.randn(8, 1, K, 5)[:, 0, :, 2:]
    with torch.no_grad():
        init = model.backbone(uv.reshape(1, K, 2))[0]
    init = init - init[:1]
    c = math.sqrt((1 - ABAR[12]) / ABAR[12])
    expected = init + c * (z - z[:, :1])
    np.testing.assert_allclose(res['high'].hypotheses[0], expected.numpy(),
                               rtol=1e-4, atol=2e-6)
    s = torch.ones(K)
    s[low_joints] = 10.
    zs = z * s[:, None]
    np.testing.assert_allclose(res['low'].hypotheses[0],
                               (init + c * (zs - zs[:, :1])).numpy(),
                               rtol=1e-4, atol=2e-6)
    spread_hi, spread_lo = res['high'].keypoint_spread[0], \
        res['low'].keypoint_spread[0]
    # the root's (unscaled) noise is subtracted, so not exactly 10x
    assert (spread_lo[low_joints] > 3 * spread_hi[low_joints]).all()
    high_joints = [j for j in range(1, K) if j not in low_joints]
    np.testing.assert_allclose(spread_lo[high_joints],
                               spread_hi[high_joints], rtol=1e-5)
    model.test_cfg['xyz_noise_by_score'] = False
    torch.manual_seed(21)
    off = run_predict(model, uv, make_samples(1, scores=low))[0]
    np.testing.assert_allclose(off.pred_instances.hypotheses,
                               res['high'].hypotheses, atol=1e-6)


def test_video_predict_stochastic_shapes():
    model = build(video=True, test_cfg=dict(num_hypotheses=4,
                                            start_noise=True,
                                            return_hypotheses=True))
    torch.manual_seed(0)
    p = run_predict(model, make_uv(1, 5), make_samples(1, 5))[0]
    p = p.pred_instances
    assert p.keypoints.shape == (1, 5, K, 3)
    assert p.hypotheses.shape == (1, 4, 5, K, 3)
    assert p.keypoint_spread.shape == (1, 5, K)
    assert (p.keypoint_spread[..., 0] == 0).all()
    assert (p.keypoint_spread[..., 1:] > 0).all()


def test_flip_test_uses_the_flip_average():
    model = build(video=True, head=False, test_cfg=dict(flip_test=True))
    uv = make_uv(1, 5)
    out = run_predict(model, uv, make_samples(1, 5))[0].pred_instances
    with torch.no_grad():
        ref = model.backbone.forward_flip_avg(uv)[0]
        plain = model.backbone(uv)[0]
    ref, plain = ref - ref[:, :1], plain - plain[:, :1]
    np.testing.assert_allclose(out.keypoints[0], ref.numpy(), atol=1e-6)
    assert np.abs(out.keypoints[0] - plain.numpy()).max() > 1e-4


# ----------------------------------------------------------- input checks ---
def test_video_wrong_window_length():
    model = build(video=True).eval()
    with pytest.raises(ValueError, match=r'5 frames, got 3'):
        model.predict(pack(make_uv(1, 3)), make_samples(1, 3))


def test_nan_input_names_the_sample():
    model = build().eval()
    uv = make_uv(3)
    uv[1, 0, 4, 1] = float('nan')
    with pytest.raises(ValueError, match=r'NaN.*samples \[1\]'):
        model.predict(pack(uv), make_samples(3))
    with pytest.raises(ValueError, match=r'samples \[1\]'):
        model.loss(pack(uv), make_samples(3))


@pytest.mark.parametrize('video', [False, True])
def test_wrong_joint_count(video):
    model = build(video=video).eval()
    t = 5 if video else 1
    bad = torch.zeros(1, 16 * 2, t)
    with pytest.raises(ValueError, match=r'expected 17 2D keypoints'):
        model.predict(bad, make_samples(1, t))


def test_bad_aggregate_rejected():
    with pytest.raises(ValueError, match='aggregate'):
        build(test_cfg=dict(aggregate='mode'))


# ------------------------------------------------------------- aggregate ---
def stub_lifter(hyps_xyz, aggregate):
    """A lifter whose pose model returns zeros and whose head returns the
    given hypotheses (H, K, 3) as uvxyz states."""
    h = hyps_xyz.shape[0]
    model = build(test_cfg=dict(num_hypotheses=h, aggregate=aggregate))
    model.pose_model = lambda uv, flip=False: torch.zeros(
        uv.shape[:-1] + (3, ))

    def sample(x, scale, seq, eta, start_noise, generator=None):
        assert x.shape == (h, 1, K, 5)
        return torch.cat([x[..., :2], hyps_xyz[:, None]], -1)

    model.head.sample = sample
    return model


def test_aggregate_mean_and_median():
    base = torch.zeros(3, K, 3)
    base[:, 1:] = torch.tensor([[0.1, 0.2, 0.3], [0.2, 0.1, 0.5],
                                [0.9, -0.7, 2.0]])[:, None]  # an outlier
    base[:, 0] = torch.tensor([0.05, 0.0, -0.05])[:, None]  # root moves
    uv = make_uv(1)
    rel = base - base[:, :1]
    mean = stub_lifter(base, 'mean').lift(uv)
    med = stub_lifter(base, 'median').lift(uv)
    torch.testing.assert_close(mean['keypoints'][0, 0], rel.mean(0))
    torch.testing.assert_close(med['keypoints'][0, 0],
                               torch.from_numpy(np.median(rel.numpy(), 0)))
    # by hand, joint 1 centred: (0.05, 0.15, 0.25), (0.2, 0.1, 0.5),
    # (0.95, -0.65, 2.05): the median ignores the outlier, the mean not
    torch.testing.assert_close(med['keypoints'][0, 0, 1],
                               torch.tensor([0.2, 0.1, 0.5]))
    torch.testing.assert_close(mean['keypoints'][0, 0, 1],
                               torch.tensor([1.2, -0.4, 2.8]) / 3)
    assert torch.equal(mean['hypotheses'][0, :, 0], rel)
    # the spread is about the mean whatever the aggregate
    assert torch.equal(mean['spread'], med['spread'])
    rms = (rel - rel.mean(0)).norm(dim=-1).pow(2).mean(0).sqrt()
    torch.testing.assert_close(mean['spread'][0, 0], rms)


def test_median_of_an_even_count_is_the_lower_middle():
    """torch.median semantics: H = 4 gives the lower of the two middle
    values per coordinate (numpy would average them)."""
    hyps = torch.zeros(4, K, 3)
    hyps[:, 1:, 0] = torch.tensor([0., 1., 2., 10.])[:, None]
    med = stub_lifter(hyps, 'median').lift(make_uv(1))['keypoints']
    assert float(med[0, 0, 1, 0]) == 1.


# ----------------------------------------------------- checkpoint round trip
def test_checkpoint_round_trip(tmp_path):
    cfg = dict(test_cfg=dict(timesteps=(0, 12), return_hypotheses=True))
    model = build(seed=0, **cfg).eval()
    path = tmp_path / 'lifter.pth'
    torch.save({'state_dict': model.state_dict()}, path)
    model2 = build(seed=1, **cfg).eval()
    model2.head.gmm.set_parameters(np.ones((K, 2)), np.zeros((K, 2, 2)),
                                   np.ones((K, 2, 2)))
    uv, samples = make_uv(2, seed=3), make_samples(2)
    before = run_predict(model2, uv, samples)[0].pred_instances.keypoints
    load_checkpoint(model2, str(path), map_location='cpu', strict=True)
    for name in ('weights', 'means', 'sigmas'):  # the prior travels too
        assert torch.equal(getattr(model2.head.gmm, name),
                           getattr(model.head.gmm, name))
    a = run_predict(model, uv, make_samples(2))
    b = run_predict(model2, uv, make_samples(2))
    assert not np.array_equal(before, b[0].pred_instances.keypoints)
    for x, y in zip(a, b):
        assert np.array_equal(x.pred_instances.keypoints,
                              y.pred_instances.keypoints)
        assert np.array_equal(x.pred_instances.hypotheses,
                              y.pred_instances.hypotheses)


def test_output_frame_keeps_one_frame_of_each_window():
    """A causal window lifts its last frame; 'centre' the middle one; both
    equal that frame of the whole-window prediction."""
    full = build(video=True)
    t = full.num_frames
    uv, samples = make_uv(2, t), make_samples(2, t)
    whole = run_predict(full, uv, samples)
    for keep, j in (('last', t - 1), ('centre', t // 2)):
        one = build(video=True, test_cfg=dict(output_frame=keep))
        out = run_predict(one, uv, make_samples(2, t))
        for a, b in zip(out, whole):
            kp = a.pred_instances.keypoints
            assert kp.shape == (1, K, 3)
            np.testing.assert_allclose(kp[0], b.pred_instances.keypoints[
                0, j], atol=1e-6)
            assert a.pred_instances.keypoint_spread.shape == (1, K)


def test_bad_output_frame_is_named():
    with pytest.raises(ValueError, match="output_frame must be one of"):
        build(video=True, test_cfg=dict(output_frame='first'))
