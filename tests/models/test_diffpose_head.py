"""DiffPoseHead: the scaled-noise training loss replayed by hand, the GMM /
constant uv noise draws, the test-time uv sigma (mixture std, detector
scores) and the DDIM sampler with a zero-noise denoiser (exact values)."""
import math

import numpy as np
import pytest
import torch
import torch.nn as nn

from poselift_mm.models.heads.diffpose_head import DiffPoseHead

TINY = dict(type='GCNdiff', num_joints=17, hid_dim=16, num_layers=1,
            num_heads=2)
# the released schedule, computed here independently in float64
ABAR = np.cumprod(1. - np.linspace(1e-4, 1e-3, 51)).astype(np.float32)


@pytest.fixture(autouse=True, scope='module')
def one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


class ConstEps(nn.Module):
    """Denoiser stand-in: outputs ``value`` everywhere, records its calls."""

    def __init__(self, value=0.):
        super().__init__()
        self.value = value
        self.calls = []

    def forward(self, x, t):
        self.calls.append((x.detach().clone(), t.clone()))
        return torch.full_like(x, self.value)


def make_head(const=None, **kw):
    torch.manual_seed(0)
    head = DiffPoseHead(denoiser=TINY, **kw)
    if const is not None:
        head.denoiser = ConstEps(const)
    return head.eval()


def set_gmm(head, weights, means, sigmas):
    head.gmm.set_parameters(np.asarray(weights), np.asarray(means),
                            np.asarray(sigmas))


# ------------------------------------------------------------------ loss ---
def test_schedule_is_the_released_one():
    head = make_head()
    assert head.abar.dtype == torch.float32 and head.abar.shape == (51, )
    np.testing.assert_allclose(head.abar.numpy(), ABAR, rtol=0, atol=1e-7)
    assert 'abar' not in head.state_dict()  # non-persistent


@pytest.mark.parametrize('const', [0., 0.25])
def test_loss_replayed_by_hand(const):
    """t antithetic from the global RNG, e = randn * scale, x_t = sqrt(abar)
    x0 + sqrt(1 - abar) e; loss = mean_N sum_{17x5} (e - e_hat)^2."""
    head = make_head(const, loss_weight=2.)
    g = torch.Generator().manual_seed(3)
    n = 6
    x0 = torch.randn(n, 17, 5, generator=g)
    scale = torch.ones(n, 17, 5)
    scale[..., :2] = torch.rand(n, 17, 2, generator=g) + 0.1
    torch.manual_seed(11)
    loss = dict(loss_diff=head.denoising_loss(x0, scale))
    assert set(loss) == {'loss_diff'}
    assert torch.isfinite(loss['loss_diff'])
    # replay
    torch.manual_seed(11)
    t0 = torch.randint(0, 51, (n // 2 + 1, ))
    t = torch.cat([t0, 50 - t0])[:n]
    e = torch.randn(n, 17, 5) * scale
    x_seen, t_seen = head.denoiser.calls[-1]
    assert torch.equal(t_seen, t)
    assert torch.equal(t_seen[n // 2 + 1:], 50 - t_seen[:n - n // 2 - 1])
    a = torch.from_numpy(ABAR)[t].reshape(n, 1, 1)
    torch.testing.assert_close(x_seen, a.sqrt() * x0 + (1 - a).sqrt() * e,
                               rtol=1e-6, atol=1e-6)
    expected = 2. * float(((e - const)**2).sum((1, 2)).mean())
    assert float(loss['loss_diff']) == pytest.approx(expected, rel=1e-6)


def test_loss_finite_with_real_denoiser_and_backprops():
    head = make_head().train()
    x0 = torch.randn(4, 17, 5)
    scale = head.noise_scale(torch.full((4, 17, 2), 0.5))
    loss = head.denoising_loss(x0, scale)
    assert torch.isfinite(loss) and float(loss) > 0
    loss.backward()
    assert all(p.grad is not None for p in head.denoiser.parameters())


def test_loss_rejects_wrong_shape():
    head = make_head(0.)
    with pytest.raises(ValueError, match=r'\(N, K, 5\)'):
        head.denoising_loss(torch.zeros(2, 17, 3), torch.ones(2, 17, 3))


def test_noise_scale_layout():
    s = torch.tensor([[[0.25, 0.5]]])
    assert DiffPoseHead.noise_scale(s).tolist() == [[[.25, .5, 1., 1., 1.]]]


# --------------------------------------------------------------- draw_uv ---
def test_draw_uv_without_gmm():
    uv = torch.randn(3, 17, 2)
    out, sigma = make_head(0.).draw_uv(uv)
    assert torch.equal(out, uv) and torch.equal(sigma, torch.ones(3, 17, 2))
    out, sigma = make_head(0., uv_noise_scale=0.5).draw_uv(uv)
    assert torch.equal(out, uv)
    assert torch.equal(sigma, torch.full((3, 17, 2), 0.5))


def one_component_head(**kw):
    head = make_head(0., gmm=dict(type='GMMPrior', num_keypoints=17,
                                  num_components=1), **kw)
    j = np.arange(17, dtype=np.float64)
    means = np.stack([0.01 * j, -0.002 * j], -1)[:, None]  # (17, 1, 2)
    sigmas = np.stack([0.01 + 0.001 * j, 0.02 + 0.0005 * j], -1)[:, None]
    set_gmm(head, np.ones((17, 1)), means, sigmas)
    return head, means[:, 0], sigmas[:, 0]


def test_draw_uv_one_component_gmm():
    """One component: uv is shifted by its mean, its sigma is returned."""
    head, means, sigmas = one_component_head()
    uv = torch.randn(4, 17, 2)
    out, sigma = head.draw_uv(uv)
    torch.testing.assert_close(out, uv + torch.tensor(means).float(),
                               rtol=0, atol=1e-7)
    torch.testing.assert_close(
        sigma, torch.tensor(sigmas).float().expand(4, 17, 2), rtol=0, atol=0)


def test_draw_uv_constant_scale_overrides_gmm_sigma():
    """uv_noise_scale=0.5 with a GMM: still shifted, sigma 0.5 everywhere."""
    head, means, _ = one_component_head(uv_noise_scale=0.5)
    uv = torch.randn(2, 5, 17, 2)
    out, sigma = head.draw_uv(uv)
    torch.testing.assert_close(out, uv + torch.tensor(means).float(),
                               rtol=0, atol=1e-7)
    assert torch.equal(sigma, torch.full((2, 5, 17, 2), 0.5))


def test_draw_uv_two_components_picks_by_weight():
    head = make_head(0., gmm=dict(type='GMMPrior', num_keypoints=17,
                                  num_components=2))
    w = np.tile([0.8, 0.2], (17, 1))
    m = np.zeros((17, 2, 2))
    m[:, 1] = 0.1
    s = np.zeros((17, 2, 2))
    s[:, 0], s[:, 1] = 0.01, 0.05
    set_gmm(head, w, m, s)
    torch.manual_seed(0)
    uv = torch.zeros(2000, 17, 2)
    out, sigma = head.draw_uv(uv)
    second = out[..., 0] > 0.05
    # component (mean, sigma) pairs stay together
    assert torch.equal(second, sigma[..., 0] > 0.03)
    assert float(second.float().mean()) == pytest.approx(0.2, abs=0.02)


# -------------------------------------------------------------- uv_sigma ---
def test_uv_sigma_constant_and_default():
    uv = torch.zeros(2, 17, 2)
    assert torch.equal(make_head(0.).uv_sigma(uv), torch.ones(2, 17, 2))
    assert torch.equal(make_head(0., uv_noise_scale=0.5).uv_sigma(uv),
                       torch.full((2, 17, 2), 0.5))


def test_uv_sigma_two_component_mixture_std():
    """std of w1 N(m1, s1) + w2 N(m2, s2) per axis; joint 0 by hand:
    w = (0.5, 0.5), m = -/+0.03, s = 0.04 -> sqrt(0.04^2 + 0.03^2) = 0.05."""
    head = make_head(0., gmm=dict(type='GMMPrior', num_keypoints=17,
                                  num_components=2))
    rng = np.random.default_rng(0)
    w = rng.uniform(0.1, 1, (17, 2))
    w /= w.sum(1, keepdims=True)
    m = rng.normal(0, 0.02, (17, 2, 2))
    s = rng.uniform(0.005, 0.03, (17, 2, 2))
    w[0] = 0.5
    m[0, 0], m[0, 1] = -0.03, 0.03
    s[0] = 0.04
    set_gmm(head, w, m, s)
    uv = torch.randn(3, 17, 2)
    sigma = head.uv_sigma(uv)
    assert sigma.shape == (3, 17, 2)
    np.testing.assert_allclose(sigma[:, 0].numpy(), 0.05, rtol=1e-5)
    # law of total variance, written around the mixture mean
    mean = (w[..., None] * m).sum(1, keepdims=True)
    var = (w[..., None] * (s**2 + (m - mean)**2)).sum(1)
    np.testing.assert_allclose(sigma[1].numpy(), np.sqrt(var), rtol=1e-4)


def test_uv_sigma_divided_by_clamped_scores():
    head = make_head(0., uv_noise_scale=0.5)
    uv = torch.zeros(1, 17, 2)
    scores = torch.ones(1, 17)
    scores[0, :4] = torch.tensor([0.05, 0.1, 0.5, 2.])
    sigma = head.uv_sigma(uv, scores)
    expected = torch.full((1, 17, 2), 0.5)
    expected[0, :4] = torch.tensor([5., 5., 1., 0.5])[:, None]
    torch.testing.assert_close(sigma, expected, rtol=1e-6, atol=0)
    sigma = head.uv_sigma(uv, scores, min_score=0.25)
    assert sigma[0, 0, 0] == pytest.approx(2.)


# ---------------------------------------------------------------- sample ---
def test_sample_zero_noise_one_step_is_exact():
    """seq (0,): x0 = x / sqrt(abar_0), then x = sqrt(abar_-1 = 1) x0."""
    head = make_head(0.)
    x = torch.randn(3, 17, 5)
    out = head.sample(x, torch.ones_like(x), (0, ))
    assert torch.equal(out, x / head.abar[0].sqrt())
    torch.testing.assert_close(out, x / math.sqrt(1 - 1e-4), rtol=1e-6,
                               atol=0)
    assert head.denoiser.calls[-1][1].tolist() == [0, 0, 0]


def test_sample_zero_noise_two_steps():
    """seq (0, 12): t = 12 then 0; eps = 0 -> x / sqrt(abar_12)."""
    head = make_head(0.)
    x = torch.randn(2, 5, 17, 5)  # (N, T, K, 5) windows also work
    out = head.sample(x, torch.ones_like(x), (0, 12))
    torch.testing.assert_close(out, x / math.sqrt(ABAR[12]), rtol=2e-6,
                               atol=1e-7)
    assert [c[1].tolist() for c in head.denoiser.calls] == [[12, 12], [0, 0]]


def test_sample_clean_start_is_deterministic():
    head = make_head()
    x = torch.randn(4, 17, 5)
    scale = head.noise_scale(torch.full((4, 17, 2), 0.3))
    with torch.no_grad():
        a = head.sample(x, scale, (0, 12), generator=torch.Generator()
                        .manual_seed(1))
        b = head.sample(x, scale, (0, 12), generator=torch.Generator()
                        .manual_seed(2))
    assert torch.equal(a, b)
    assert not torch.equal(a, x)  # the real denoiser moves it


def test_sample_start_noise_generators_and_scale():
    head = make_head()
    x = torch.randn(4, 17, 5)
    scale = head.noise_scale(torch.full((4, 17, 2), 0.3))

    def run(seed, s=scale):
        with torch.no_grad():
            return head.sample(x, s, (0, 12), start_noise=True,
                               generator=torch.Generator().manual_seed(seed))

    assert torch.equal(run(1), run(1))  # reproducible from the generator
    assert (run(1) - run(2)).abs().max() > 1e-3
    # zero denoiser: out = x + sqrt((1 - a)/a) z * scale, a = abar_12
    head.denoiser = ConstEps(0.)
    z = torch.randn(x.shape, generator=torch.Generator().manual_seed(5))
    c = math.sqrt((1 - ABAR[12]) / ABAR[12])
    torch.testing.assert_close(run(5) - x, c * z * scale, rtol=1e-4,
                               atol=2e-6)
    torch.testing.assert_close(run(5, 2 * scale) - x, 2 * (run(5) - x),
                               rtol=1e-4, atol=2e-6)
    diff = (run(5, 2 * scale) - run(6, 2 * scale)).abs().mean()
    assert float(diff) == pytest.approx(
        2 * float((run(5) - run(6)).abs().mean()), rel=1e-4)


def test_sample_start_noise_widens_low_score_uv():
    """The start noise of the uv channels is sigma / clamped score: with a
    zero denoiser the uv deviation of a joint is exactly that scaled draw,
    so low-score joints spread more (xyz channels: scale 1 for all)."""
    head = make_head(0., uv_noise_scale=0.5)
    h = 64
    x = torch.randn(1, 17, 5).expand(h, 17, 5)
    scores = torch.ones(h, 17)
    scores[:, 3] = 0.2
    scores[:, 5] = 0.05  # clamped to 0.1
    scale = head.noise_scale(head.uv_sigma(x[..., :2], scores))
    out = head.sample(x, scale, (0, 12), start_noise=True,
                      generator=torch.Generator().manual_seed(7))
    z = torch.randn(x.shape, generator=torch.Generator().manual_seed(7))
    c = math.sqrt((1 - ABAR[12]) / ABAR[12])
    torch.testing.assert_close(out - x, c * z * scale, rtol=1e-4, atol=2e-6)
    uv_std = (out - x)[..., :2].std(0).mean(-1)  # (17,)
    xyz_std = (out - x)[..., 2:].std(0).mean(-1)
    # expected ratios 5 (joint 3 vs 0) and 2 (joint 5 vs 3)
    assert uv_std[3] > 3 * uv_std[0] and uv_std[5] > 1.5 * uv_std[3]
    assert float(xyz_std.max() / xyz_std.min()) < 2


def test_no_timesteps_is_the_pose_model_alone():
    """``timesteps=()``: no denoiser call, the result is the pose model's
    root-centred 3D (the ablation without the head), for every hypothesis."""
    head = make_head(0.5)  # a denoiser that would move every channel
    uv = torch.randn(2, 3, 17, 2)
    init = torch.randn(2, 3, 17, 3)
    out = head.lift(uv, init, test_cfg=dict(timesteps=(), num_hypotheses=2,
                                            start_noise=True))
    expected = init - init[..., :1, :]
    assert head.denoiser.calls == []
    torch.testing.assert_close(out['keypoints'], expected, rtol=0, atol=0)
    assert out['hypotheses'].shape == (2, 2, 3, 17, 3)
    assert float(out['spread'].abs().max()) == 0.
    # a JSON round trip (the benchmark's job records) gives a list
    out = head.lift(uv, init, test_cfg=dict(timesteps=[]))
    torch.testing.assert_close(out['keypoints'], expected, rtol=0, atol=0)


@pytest.mark.parametrize('steps', [(12, 0), (0, 0), (-1, ), (51, )])
def test_timesteps_out_of_order_or_range_are_refused(steps):
    with pytest.raises(ValueError, match='timesteps'):
        make_head().check_test_cfg(dict(timesteps=steps))
