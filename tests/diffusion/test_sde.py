import math

import pytest
import torch

from poselift_mm.diffusion.sde import SubVPSDE, reverse_step, score_from_noise

D = torch.float64


def eps_score_fn(sde, eps):
    """score_fn for a network that always predicts ``eps``."""
    return lambda x, t: score_from_noise(eps.expand_as(x),
                                         sde.marginal_prob(x, t)[1])


@pytest.mark.parametrize('t, mean_coef, std', [
    # hand values: lmc = -t^2 (20-0.1)/4 - 0.05 t; std = 1 - exp(2 lmc)
    (0.1, 0.946721798820598, 0.10371783563789105),
    (0.5, 0.2811828807967524, 0.9209361875468394),
    (1.0, 0.006571586494929619, 0.9999568142509396),
])
def test_marginal_prob_closed_form(t, mean_coef, std):
    sde = SubVPSDE()
    x = torch.randn(4, 17, 3, dtype=D)
    mean, s = sde.marginal_prob(x, torch.full((4, ), t, dtype=D))
    torch.testing.assert_close(mean, mean_coef * x, rtol=1e-12, atol=0)
    torch.testing.assert_close(s.expand(4, 17, 3),
                               torch.full((4, 17, 3), std, dtype=D),
                               rtol=1e-12, atol=0)
    # sub-VP std is NOT sqrt(1 - exp(2 lmc))
    if t < 1:
        assert abs(float(s.flatten()[0]) - math.sqrt(std)) > 1e-2


def test_sde_diffusion_identity():
    """g^2 = beta std (2 - std): so g^2 * score = -beta (2 - std) eps."""
    sde = SubVPSDE()
    x = torch.randn(3, 17, 3, dtype=D)
    t = torch.tensor([0.01, 0.1, 0.7], dtype=D)
    drift, g = sde.sde(x, t)
    beta = (0.1 + t * 19.9).view(3, 1, 1)
    std = sde.marginal_prob(x, t)[1]
    torch.testing.assert_close(drift, -0.5 * beta * x)
    torch.testing.assert_close(g**2, beta * std * (2 - std))
    f, G = sde.discretize(x, t)
    torch.testing.assert_close(f, drift * 1e-3)
    torch.testing.assert_close(G, g * math.sqrt(1e-3))


def test_score_from_noise_convention():
    """score = -eps / std with std = 1 - exp(2 lmc): the exact score of
    the Gaussian x_t = mean + std z is -(x_t - mean)/std^2 = -z/std."""
    sde = SubVPSDE()
    x0 = torch.randn(5, 17, 3, dtype=D)
    z = torch.randn(5, 17, 3, dtype=D)
    t = torch.full((5, ), 0.3, dtype=D)
    mean, std = sde.marginal_prob(x0, t)
    xt = mean + std * z
    torch.testing.assert_close(score_from_noise(z, std),
                               -(xt - mean) / std**2)
    assert float(score_from_noise(torch.ones(()), torch.tensor(0.25))) == -4.0


def test_reverse_step_hand_values():
    sde = SubVPSDE()
    x = torch.ones(2, 17, 3, dtype=D)
    fn = eps_score_fn(sde, torch.ones((), dtype=D))
    # t=0.1: beta=2.09, std=0.10371783563789105
    # original: 1 + 1e-3 (0.5*2.09 - 2.09 (2 - std))
    out = reverse_step(x, 0.1, fn, sde, mode='original')
    torch.testing.assert_close(out, torch.full_like(x, 0.9970817702764831))
    # corrected: 1 + dt (0.5*2.09 - 0.5*2.09 (2 - std)), dt = 0.09/999
    out = reverse_step(x, 0.1, fn, sde, mode='corrected', dt=0.09 / 999)
    torch.testing.assert_close(out, torch.full_like(x, 0.9999156202827245))
    with pytest.raises(ValueError, match='dt'):
        reverse_step(x, 0.1, fn, sde, mode='corrected')
    with pytest.raises(ValueError, match='mode'):
        reverse_step(x, 0.1, fn, sde, mode='sde')


def test_reverse_step_mode_ratio_on_zedo_schedule():
    """ZeDO's schedule t: 0.1 -> 0.01 in 1000 steps: the original step is
    11.1x the true dt on the x-drift, 22.2x on the score term."""
    sde = SubVPSDE()
    ts = torch.linspace(0.1, 0.01, 1000, dtype=D)
    dt = float(ts[0] - ts[1])
    ratio_x = 1e-3 / dt
    assert ratio_x == pytest.approx(11.1, abs=1e-9)
    x = torch.randn(2, 17, 3, dtype=D)
    zero = eps_score_fn(sde, torch.zeros((), dtype=D))
    eps = eps_score_fn(sde, torch.randn(17, 3, dtype=D))
    for t in (0.1, 0.05, 0.01):
        dx_o = reverse_step(x, t, zero, sde, 'original') - x
        dx_c = reverse_step(x, t, zero, sde, 'corrected', dt=dt) - x
        torch.testing.assert_close(dx_o, ratio_x * dx_c)
        x0 = torch.zeros_like(x)
        de_o = reverse_step(x0, t, eps, sde, 'original')
        de_c = reverse_step(x0, t, eps, sde, 'corrected', dt=dt)
        torch.testing.assert_close(de_o, 2 * ratio_x * de_c)
    # x-drift compounded over the whole schedule: x1.82 vs the true x1.055
    x = torch.ones(1, 17, 3, dtype=D)
    xo, xc = x.clone(), x.clone()
    for t in ts:
        xo = reverse_step(xo, t, zero, sde, 'original')
        xc = reverse_step(xc, t, zero, sde, 'corrected', dt=dt)
    assert float(xo[0, 0, 0]) == pytest.approx(1.8168, abs=2e-3)
    true = math.exp(sde.log_mean_coeff(0.01) - sde.log_mean_coeff(0.1))
    assert true == pytest.approx(1.055, abs=1e-3)
    assert float(xc[0, 0, 0]) == pytest.approx(true, rel=1e-3)


@pytest.mark.parametrize('shape', [(4, 17, 3), (4, 5, 17, 3)])
def test_shapes_batched_t(shape):
    sde = SubVPSDE()
    x = torch.randn(shape)
    t = torch.rand(shape[0]) * 0.1 + 0.01
    mean, std = sde.marginal_prob(x, t)
    assert mean.shape == shape and (mean + std * x).shape == shape
    fn = eps_score_fn(sde, torch.randn(shape))
    for mode in ('original', 'corrected'):
        out = reverse_step(x, t, fn, sde, mode, dt=1e-4)
        assert out.shape == shape and out.dtype == torch.float32
    # per-sample t: row i equals the scalar-t step at t[i]
    out = reverse_step(x, t, fn, sde)
    one = reverse_step(x[1:2], float(t[1]), lambda y, tt: fn(x, t)[1:2], sde)
    torch.testing.assert_close(out[1:2], one)
    assert sde.prior_sampling(shape).shape == shape


def test_dsm_loss_matches_its_definition():
    from poselift_mm.diffusion import SubVPSDE, dsm_loss
    sde = SubVPSDE()
    x0 = torch.randn(5, 17, 3, dtype=torch.float64)
    seen = {}

    def noise_fn(xt, t):
        seen['xt'], seen['t'] = xt, t
        return 0.1 * xt

    g = torch.Generator().manual_seed(0)
    loss = dsm_loss(noise_fn, sde, x0, generator=g)
    g = torch.Generator().manual_seed(0)
    t = 1e-5 + (1 - 1e-5) * torch.rand(5, generator=g, dtype=torch.float64)
    z = torch.randn(x0.shape, generator=g, dtype=torch.float64)
    assert torch.allclose(seen['t'], t)
    lmc = sde.log_mean_coeff(t)[:, None, None]
    xt = torch.exp(lmc) * x0 + (1 - torch.exp(2 * lmc)) * z
    assert torch.allclose(seen['xt'], xt)
    expected = (0.5 * ((z - 0.1 * xt)**2).sum((1, 2))).mean()
    assert torch.allclose(loss, expected)
    assert (t >= 1e-5).all() and (t <= 1).all()


def test_dsm_training_reduces_the_loss():
    """A small net on 2-D Gaussian data: the loss must fall well below the
    untrained value (1/2 * dim for eps_hat = 0)."""
    from poselift_mm.diffusion import SubVPSDE, dsm_loss
    torch.manual_seed(0)
    sde = SubVPSDE()
    data = torch.randn(4096, 2) * torch.tensor([0.05, 0.3]) + 1.0
    net = torch.nn.Sequential(torch.nn.Linear(3, 64), torch.nn.SiLU(),
                              torch.nn.Linear(64, 2))
    fn = lambda x, t: net(torch.cat([x, t[:, None]], 1))  # noqa: E731
    opt = torch.optim.Adam(net.parameters(), 1e-2)
    for _ in range(300):
        loss = dsm_loss(fn, sde, data[torch.randint(0, 4096, (256, ))])
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        final = torch.stack([dsm_loss(fn, sde, data) for _ in range(5)])
    assert final.mean() < 0.4  # untrained: 0.94 measured; trained: 0.18


def test_dsm_loss_needs_a_batch():
    from poselift_mm.diffusion import SubVPSDE, dsm_loss
    with pytest.raises(ValueError, match='batch'):
        dsm_loss(lambda x, t: x, SubVPSDE(), torch.zeros(3))
