"""GMMPrior: EM fits, heatmap fits, sampling, layout and files."""
import math

import numpy as np
import pytest
import torch
from mmpose.registry import MODELS

from poselift_mm.datasets.readers import check_gmm
from poselift_mm.geometry.screen import (pixels_to_screen, screen_to_pixels,
                                         topdown_heatmap_affine)
from poselift_mm.models.priors.gmm import (GMMPrior, gmm_means_to_pixels,
                                           gmm_means_to_screen)
from poselift_mm.stats.gmm_em import fit_diag_gmm


def mixture_residuals(n, params, seed=0):
    """(n, J, 2) draws; params per joint: (weights, means (K,2), sigmas)."""
    rng = np.random.default_rng(seed)
    out = np.empty((n, len(params), 2))
    for j, (w, m, s) in enumerate(params):  # test data only
        k = rng.choice(len(w), size=n, p=w)
        out[:, j] = np.asarray(m)[k] + np.asarray(s)[k] * rng.normal(
            size=(n, 2))
    return out


PARAMS = [
    ([0.7, 0.3], [[0., 0.], [3., -1.]], [[0.2, 0.2], [0.5, 0.4]]),
    ([0.4, 0.6], [[-2., 1.], [1., 1.]], [[0.3, 0.6], [0.2, 0.1]]),
    ([0.9, 0.1], [[0., 0.], [0., 0.]], [[0.1, 0.1], [2.0, 2.0]]),  # outliers
]


def test_em_recovers_two_component_mixtures_per_joint():
    x = mixture_residuals(40000, PARAMS)
    prior = GMMPrior.fit_em(x, num_components=2, seed=1)
    assert prior.weights.shape == (3, 2) and prior.means.shape == (3, 2, 2)
    for j, (w, m, s) in enumerate(PARAMS):
        order = np.argsort(w)[::-1]  # components are sorted by weight
        np.testing.assert_allclose(prior.weights[j].numpy(),
                                   np.asarray(w)[order], atol=0.015)
        np.testing.assert_allclose(prior.means[j].numpy(),
                                   np.asarray(m)[order], atol=0.05)
        np.testing.assert_allclose(prior.sigmas[j].numpy(),
                                   np.asarray(s)[order], rtol=0.06)
    assert prior.fit_info['iters'] > 1
    # the reported log-likelihood is the mean of log_prob over the samples
    lp = prior.log_prob(torch.from_numpy(x).float()).double().mean(0)
    np.testing.assert_allclose(lp.numpy(), prior.fit_info['log_lik'].numpy(),
                               rtol=1e-4)


def test_em_k1_is_mean_and_std():
    x = mixture_residuals(5000, PARAMS, seed=2)
    prior = GMMPrior.fit_em(x, num_components=1)
    np.testing.assert_allclose(prior.weights.numpy(), 1.)
    np.testing.assert_allclose(prior.means[:, 0].numpy(), x.mean(0),
                               rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(prior.sigmas[:, 0].numpy(), x.std(0),
                               rtol=1e-6)
    # sample weights: rows with weight 0 do not count
    w = np.ones((5000, 3))
    w[2500:] = 0
    half = GMMPrior.fit_em(x, 1, sample_weights=w)
    np.testing.assert_allclose(half.means[:, 0].numpy(), x[:2500].mean(0),
                               rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(half.sigmas[:, 0].numpy(), x[:2500].std(0),
                               rtol=1e-6)


def test_em_variance_floor_and_errors():
    x = np.zeros((50, 2, 2))
    x[:25, 1] = 1.0
    prior = GMMPrior.fit_em(x, 2, min_sigma=1e-3)
    assert (prior.sigmas >= 1e-3 - 1e-9).all()
    assert torch.isfinite(prior.means).all()
    np.testing.assert_allclose(np.sort(prior.means[1, :, 0].numpy()),
                               [0., 1.], atol=1e-6)
    with pytest.raises(ValueError, match='N, J, 2'):
        GMMPrior.fit_em(np.zeros((10, 3)), 1)
    bad = np.zeros((10, 2, 2))
    bad[3, 1, 0] = np.nan
    with pytest.raises(ValueError, match='NaN'):
        GMMPrior.fit_em(bad, 1)
    with pytest.raises(ValueError, match='num_components'):
        fit_diag_gmm(torch.zeros(1, 2, 2), num_components=3)


def gaussian_heatmap(h, w, centres, sigmas, amps):
    ys, xs = np.mgrid[0:h, 0:w]
    return sum(a * np.exp(-((xs - cx)**2 + (ys - cy)**2) / (2 * s**2))
               for (cx, cy), s, a in zip(centres, sigmas, amps))


def test_heatmap_fit_recovers_centre_in_screen_units():
    hm = gaussian_heatmap(64, 48, [(20.3, 30.7)], [2.0], [1.0])
    hms = np.broadcast_to(hm, (2, 3, 64, 48))
    # MMPose top-down: 48x64 heatmap of a 192x256 px box centred (500, 400):
    # 4 px per heatmap px, origin (500 - 96, 400 - 128)
    aff = topdown_heatmap_affine([[500., 400.]] * 2, [[192., 256.]] * 2,
                                 (48, 64))
    np.testing.assert_allclose(aff[0].numpy(),
                               [[4, 0, 404], [0, 4, 272]])
    out = GMMPrior.fit_from_heatmaps(hms, (1000, 1002), aff,
                                     num_components=1)
    assert out.shape == (2, 3, 1, 5)
    x_px, y_px = 20.3 * 4 + 404, 30.7 * 4 + 272  # 485.2, 394.8
    u, v = 2 * x_px / 1000 - 1, 2 * y_px / 1000 - 1.002
    np.testing.assert_allclose(out[..., 0, 0].numpy(), 1.)
    np.testing.assert_allclose(out[..., 0, 1].numpy(), u, atol=1e-4)
    np.testing.assert_allclose(out[..., 0, 2].numpy(), v, atol=1e-4)
    # sigma: 2 heatmap px = 8 px = 0.016 screen units
    np.testing.assert_allclose(out[..., 0, 3:].numpy(), 0.016, rtol=0.02)
    out3 = GMMPrior.fit_from_heatmaps(hms, (1000, 1002), aff,
                                      num_components=3)
    assert out3.shape == (2, 3, 3, 5)
    np.testing.assert_allclose(out3[..., 0].sum(-1).numpy(), 1., atol=1e-9)
    mix = (out3[..., :1] * out3[..., 1:3]).sum(-2)
    np.testing.assert_allclose(mix[..., 0].numpy(), u, atol=2e-4)
    np.testing.assert_allclose(mix[..., 1].numpy(), v, atol=2e-4)
    check_gmm(out3.numpy(), 'heatmaps', 'out', 2, 3)


def test_heatmap_fit_two_peaks_and_anchor():
    hm = gaussian_heatmap(64, 64, [(10., 12.), (45., 50.)], [1.5, 2.5],
                          [1.0, 0.5])
    out = GMMPrior.fit_from_heatmaps(hm[None, None], (64, 64),
                                     num_components=2, max_pixels=None)
    # identity affine, w = h = 64: u = 2x/64 - 1, v = 2y/64 - 1
    mass = np.array([0.5 * 2.5**2, 1.0 * 1.5**2])  # heavier peak first
    np.testing.assert_allclose(out[0, 0, :, 0].numpy(), mass / mass.sum(),
                               atol=0.01)
    np.testing.assert_allclose(out[0, 0, :, 1].numpy(),
                               [2 * 45 / 64 - 1, 2 * 10 / 64 - 1], atol=0.01)
    np.testing.assert_allclose(out[0, 0, :, 3].numpy(),
                               [2 * 2.5 / 64, 2 * 1.5 / 64], rtol=0.05)
    kp = np.array([[[30., 20.]]])
    anchored = GMMPrior.fit_from_heatmaps(hm[None, None], (64, 64),
                                          keypoints_px=kp, num_components=2)
    mix = (anchored[..., :1] * anchored[..., 1:3]).sum(-2)[0, 0]
    np.testing.assert_allclose(mix.numpy(), [2 * 30 / 64 - 1,
                                             2 * 20 / 64 - 1], atol=1e-9)


def test_heatmap_fit_errors():
    hm = np.zeros((2, 3, 8, 8))
    hm[:, :, 4, 4] = 1
    hm[1, 2] = -0.1
    with pytest.raises(ValueError, match='sample 1, joint 2'):
        GMMPrior.fit_from_heatmaps(hm, (100, 100))
    rot = np.array([[0., 1., 0.], [1., 0., 0.]])
    with pytest.raises(ValueError, match='axis-aligned'):
        GMMPrior.fit_from_heatmaps(hm[:1], (100, 100), rot)
    with pytest.raises(ValueError, match='N, J, H, W'):
        GMMPrior.fit_from_heatmaps(hm[0], (100, 100))


def make_prior():
    prior = GMMPrior(num_keypoints=2, num_components=3)
    prior.set_parameters(
        [[0.2, 0.5, 0.3], [1.0, 0.0, 0.0]],
        [[[1., 0.], [0., 2.], [-3., -3.]], [[0.5, 0.5], [9., 9.], [9., 9.]]],
        [[[0.1, 0.1], [0.2, 0.2], [0.3, 0.3]], [[0.4, 0.4], [1., 1.],
                                                 [1., 1.]]])
    return prior


def test_sample_frequencies_follow_weights():
    prior = make_prior()
    uv = torch.zeros(50000, 3, 2, 2)  # (B, T, J, 2)
    g = torch.Generator().manual_seed(0)
    out, sigma = prior.sample(uv + 0.25, generator=g)
    assert out.shape == uv.shape and sigma.shape == uv.shape
    offset = out - 0.25
    # joint 0: which component was drawn, from the returned mean
    k = torch.stack([(offset[..., 0, :] - m).abs().sum(-1) < 1e-6
                     for m in prior.means[0]], -1)
    assert bool((k.sum(-1) == 1).all())
    freq = k.double().mean((0, 1)).numpy()
    np.testing.assert_allclose(freq, [0.2, 0.5, 0.3], atol=0.01)
    # the sigma returned belongs to the same component
    np.testing.assert_allclose(
        sigma[..., 0, 0].numpy(),
        (k.float() @ prior.sigmas[0, :, 0]).numpy(), atol=1e-7)
    # joint 1 has all weight on component 0
    assert torch.allclose(offset[..., 1, :], torch.tensor(0.5))
    assert torch.allclose(sigma[..., 1, :], torch.tensor(0.4))
    again, _ = prior.sample(uv + 0.25,
                            generator=torch.Generator().manual_seed(0))
    assert torch.equal(out, again)
    with pytest.raises(ValueError, match='2, 2'):
        prior.sample(torch.zeros(4, 3, 2))


def test_sample_per_sample_original_draw():
    B = 40000
    gmm = torch.zeros(B, 17, 3, 5)
    gmm[..., 0] = torch.tensor([0.25, 0.75, 0.0])
    gmm[..., 1:3] = torch.tensor([[1., 2.], [3., 4.], [5., 6.]])[:, :]
    gmm[..., 3:5] = torch.tensor([[.1, .2], [.3, .4], [.5, .6]])
    mu, sigma = GMMPrior.sample_per_sample(
        gmm, generator=torch.Generator().manual_seed(1))
    assert mu.shape == (B, 17, 2) and sigma.shape == (B, 17, 2)
    first = (mu[..., 0] == 1.).double().mean().item()
    assert first == pytest.approx(0.25, abs=0.005)
    assert not (mu[..., 0] == 5.).any()  # weight 0 never drawn
    assert torch.equal(sigma[mu[..., 0] == 3.], torch.tensor([.3, .4]).expand(
        int((mu[..., 0] == 3.).sum()), 2))
    # DiffPose's released files: pi = (1, 0, 0) -> component 0, always
    gmm[..., 0] = torch.tensor([1.0, 0.0, 0.0])
    mu, sigma = GMMPrior.sample_per_sample(gmm)
    assert torch.equal(mu, gmm[..., 0, 1:3])
    assert torch.equal(sigma, gmm[..., 0, 3:5])
    with pytest.raises(ValueError, match='K, 5'):
        GMMPrior.sample_per_sample(torch.zeros(2, 17, 3, 4))


def test_noise_scale_and_layout():
    s = torch.tensor([[[0.1, 0.2]]])
    assert torch.equal(GMMPrior.noise_scale(s),
                       torch.tensor([[[0.1, 0.2, 1., 1., 1.]]]))
    prior = make_prior()
    uv = torch.tensor([[[0.1, 0.2], [0.3, 0.4]]])
    det = prior.to_original_layout(uv)
    assert det.shape == (1, 2, 3, 5)
    assert torch.allclose(det[0, 0, 1], torch.tensor([0.5, 0.1, -1.8, .2,
                                                      .2]))
    true = prior.to_original_layout(uv, source='true')
    assert torch.allclose(true[0, 0, 1, 1:3], torch.tensor([0.1, 2.2]))
    check_gmm(det.numpy(), 'layout', 'det', 1, 2)
    with pytest.raises(ValueError, match='source'):
        prior.to_original_layout(uv, source='gt')


def test_units():
    px = np.array([[500., 501.], [0., 0.]])
    uv = pixels_to_screen(px, 1000., 1002.)
    np.testing.assert_allclose(uv, [[0., 0.], [-1., -1.002]])
    np.testing.assert_allclose(screen_to_pixels(uv, 1000., 1002.), px)
    gmm = np.zeros((2, 1, 1, 5))
    gmm[..., 1:3] = [250., 100.]
    gmm[..., 3:] = 0.01
    scr = gmm_means_to_screen(gmm, np.array([1000., 500.]),
                              np.array([1000., 500.]))
    np.testing.assert_allclose(scr[0, 0, 0], [0, -0.5, -0.8, 0.01, 0.01])
    np.testing.assert_allclose(scr[1, 0, 0], [0, 0., -0.6, 0.01, 0.01])
    np.testing.assert_allclose(gmm_means_to_pixels(scr, [1000., 500.],
                                                   [1000., 500.]), gmm)
    t = gmm_means_to_pixels(torch.from_numpy(scr), 1000., 1000.)
    assert torch.is_tensor(t)


def test_log_prob_hand_values():
    prior = GMMPrior(1, 1)
    prior.set_parameters([[1.]], [[[1., 2.]]], [[[0.5, 2.0]]])
    r = torch.tensor([[[2., 2.]]])
    expected = (-0.5 * 2**2 - math.log(0.5) - 0.5 * math.log(2 * math.pi)
                - math.log(2.0) - 0.5 * math.log(2 * math.pi))
    assert prior.log_prob(r).item() == pytest.approx(expected, rel=1e-6)
    prior2 = GMMPrior(1, 2)
    prior2.set_parameters([[0.3, 0.7]], [[[0., 0.], [1., 1.]]],
                          [[[1., 1.], [1., 1.]]])
    n = lambda d2: math.exp(-0.5 * d2) / (2 * math.pi)  # noqa: E731
    expected = math.log(0.3 * n(1.0) + 0.7 * n(1.0 + 0.0))
    r = torch.tensor([[1., 0.]])
    assert prior2.log_prob(r).item() == pytest.approx(expected, rel=1e-6)


def test_save_load_state_dict_registry(tmp_path):
    prior = make_prior()
    path = tmp_path / 'gmm.npz'
    prior.save(path)
    loaded = GMMPrior.load(path)
    for name in ('weights', 'means', 'sigmas'):
        assert torch.allclose(getattr(loaded, name), getattr(prior, name))
    assert set(prior.state_dict()) == {'weights', 'means', 'sigmas'}
    fresh = GMMPrior(2, 3)
    fresh.load_state_dict(prior.state_dict())
    assert torch.equal(fresh.means, prior.means)
    built = MODELS.build(dict(type='GMMPrior', path=str(path)))
    assert isinstance(built, GMMPrior) and built.num_components == 3
    assert torch.allclose(built.sigmas, prior.sigmas)
    default = MODELS.build(dict(type='GMMPrior', num_components=2))
    assert default.weights.shape == (17, 2)
    assert torch.equal(default.sigmas, torch.ones(17, 2, 2))


def test_bad_files_name_the_key(tmp_path):
    good = dict(weights=np.full((17, 2), 0.5), means=np.zeros((17, 2, 2)),
                sigmas=np.ones((17, 2, 2)))

    def write(**over):
        arrays = {**good, **over}
        arrays = {k: v for k, v in arrays.items() if v is not None}
        path = tmp_path / 'bad.npz'
        np.savez(path, **arrays)
        return path

    with pytest.raises(ValueError, match="bad.npz: key 'sigmas': missing"):
        GMMPrior.load(write(sigmas=None))
    with pytest.raises(ValueError, match="key 'means'.*wrong joint count"):
        GMMPrior.load(write(means=np.zeros((16, 2, 2))))
    with pytest.raises(ValueError, match="key 'means'.*expected shape"):
        GMMPrior.load(write(means=np.zeros((17, 3, 2))))
    nan = np.ones((17, 2, 2))
    nan[3, 1, 0] = np.nan
    with pytest.raises(ValueError, match="key 'sigmas'.*NaN"):
        GMMPrior.load(write(sigmas=nan))
    with pytest.raises(ValueError, match="key 'sigmas'.*> 0"):
        GMMPrior.load(write(sigmas=np.zeros((17, 2, 2))))
    with pytest.raises(ValueError, match="key 'weights'.*joint 0 sum"):
        GMMPrior.load(write(weights=np.full((17, 2), 0.4)))
    with pytest.raises(ValueError, match='does not exist'):
        GMMPrior.load(tmp_path / 'missing.npz')
    (tmp_path / 'junk.npz').write_bytes(b'not a zip')
    with pytest.raises(ValueError, match='junk.npz.*not a readable'):
        GMMPrior.load(tmp_path / 'junk.npz')
    with pytest.raises(ValueError, match='sigmas must be > 0'):
        GMMPrior(2, 1).set_parameters([[1.], [1.]], np.zeros((2, 1, 2)),
                                      np.zeros((2, 1, 2)))
