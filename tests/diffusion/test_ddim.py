"""DiffPose schedule and DDIM sampler against hand-computed values."""
import math

import pytest
import torch

from poselift_mm.diffusion.ddim import (alphas_cumprod, antithetic_timesteps,
                                        ddim_sample, linear_betas, q_sample,
                                        timestep_sequence)


@pytest.fixture(scope='module')
def abar():
    return alphas_cumprod(linear_betas())


def test_schedule_values(abar):
    betas = linear_betas()
    assert betas.dtype == torch.float64 and betas.shape == (51, )
    assert betas[0].item() == pytest.approx(1e-4, abs=1e-15)
    assert betas[50].item() == pytest.approx(1e-3, abs=1e-15)
    # beta_1 = 1e-4 + 9e-4 / 50
    assert betas[1].item() == pytest.approx(1.18e-4, abs=1e-15)
    assert abar[0].item() == pytest.approx(0.9999, abs=1e-12)
    assert abar[1].item() == pytest.approx(0.9999 * (1 - 1.18e-4), abs=1e-12)
    assert abar[50].item() == pytest.approx(0.97233, abs=5e-6)
    assert abar[12].item() == pytest.approx(0.99730, abs=5e-6)
    assert abar[6].item() == pytest.approx(0.99892, abs=5e-6)
    assert math.sqrt(1 - abar[12].item()) == pytest.approx(0.0520, abs=5e-5)
    assert math.sqrt(1 - abar[50].item()) == pytest.approx(0.1663, abs=5e-5)
    # sum of betas = 51 * (1e-4 + 1e-3) / 2; abar_50 ~ exp(-sum) to O(b^2)
    assert abar[50].item() == pytest.approx(math.exp(-0.02805), abs=1e-5)
    f32 = alphas_cumprod(betas.float())
    assert f32.dtype == torch.float32
    assert torch.allclose(f32.double(), abar, atol=1e-6)


def test_schedule_errors():
    with pytest.raises(ValueError, match='num_steps'):
        linear_betas(num_steps=0)
    with pytest.raises(ValueError, match='beta_start'):
        linear_betas(1e-3, 1e-4)
    with pytest.raises(ValueError, match='1-D'):
        alphas_cumprod(torch.zeros(2, 2))


def test_timestep_sequence():
    assert timestep_sequence(24, 2) == [0, 12]  # frame CPN
    assert timestep_sequence(12, 2) == [0, 6]  # frame / video GT
    assert timestep_sequence(6, 1) == [0]  # video CPN
    assert timestep_sequence(50, 5) == [0, 10, 20, 30, 40]
    assert timestep_sequence(10, 3) == [0, 3, 6, 9]  # N // S = 3
    with pytest.raises(ValueError, match='skip'):
        timestep_sequence(2, 3)


def test_antithetic_timesteps():
    g = torch.Generator().manual_seed(3)
    t = antithetic_timesteps(7, 51, generator=g)
    assert t.dtype == torch.long and t.shape == (7, )
    # 7 // 2 + 1 = 4 draws, then their mirrors 50 - t, truncated to 7
    assert torch.equal(t[4:], 50 - t[:3])
    big = antithetic_timesteps(10001, 51, generator=g)
    assert big.min() >= 0 and big.max() <= 50
    assert torch.equal(big[5001:], 50 - big[:5000])
    assert abs(big.double().mean().item() - 25.) < 0.01  # mirrored pairs
    assert torch.equal(
        antithetic_timesteps(6, generator=torch.Generator().manual_seed(1)),
        antithetic_timesteps(6, generator=torch.Generator().manual_seed(1)))
    assert antithetic_timesteps(1).shape == (1, )


def test_q_sample(abar):
    x0 = torch.ones(2, 17, 5)
    noise = torch.full((2, 17, 5), 2.)
    xt = q_sample(x0, torch.tensor([0, 50]), abar, noise)
    a0, a50 = abar[0].item(), abar[50].item()
    assert torch.allclose(xt[0], torch.tensor(
        math.sqrt(a0) + 2 * math.sqrt(1 - a0)))
    assert torch.allclose(xt[1], torch.tensor(
        math.sqrt(a50) + 2 * math.sqrt(1 - a50)))
    assert xt.dtype == torch.float32
    with pytest.raises(ValueError, match='t must'):
        q_sample(x0, torch.tensor([0, 51]), abar, noise)
    with pytest.raises(ValueError, match='noise shape'):
        q_sample(x0, torch.tensor([0, 1]), abar, noise[:, :3])


def test_ddim_zero_eps_is_rescale(abar):
    """eps = 0: 12 -> 0 gives sqrt(a0/a12) x, 0 -> -1 divides by sqrt(a0):
    the result is x / sqrt(abar_12)."""
    x = torch.randn(4, 17, 5, dtype=torch.float64)
    calls = []

    def eps_fn(xt, t):
        calls.append(t.clone())
        return torch.zeros_like(xt)

    xs, x0s = ddim_sample(eps_fn, x, [0, 12], abar, return_all=True)
    assert len(xs) == 3 and len(x0s) == 2
    assert [c.tolist() for c in calls] == [[12] * 4, [0] * 4]
    assert all(c.dtype == torch.long for c in calls)
    a0, a12 = abar[0].item(), abar[12].item()
    assert torch.allclose(x0s[0], x / math.sqrt(a12), atol=1e-12)
    assert torch.allclose(xs[1], x * math.sqrt(a0 / a12), atol=1e-12)
    assert torch.allclose(xs[2], x / math.sqrt(a12), atol=1e-12)
    assert torch.equal(ddim_sample(eps_fn, x, [0, 12], abar), xs[2])


def test_ddim_constant_eps_hand_values(abar):
    x = torch.tensor([[[1.0, -2.0]]], dtype=torch.float64)
    c = 0.5
    const = lambda xt, t: torch.full_like(xt, c)  # noqa: E731
    # video CPN: one step 0 -> -1: (x - sqrt(1 - a0) c) / sqrt(a0)
    out = ddim_sample(const, x, [0], abar)
    assert torch.allclose(out, (x - 0.01 * c) / math.sqrt(0.9999),
                          atol=1e-12)
    assert out[0, 0, 0].item() == pytest.approx((1 - 0.005) / 0.99994999875,
                                                abs=1e-10)
    # frame CPN: 12 -> 0 adds sqrt(1-a0) c back, 0 -> -1 removes it again
    a12 = abar[12].item()
    out = ddim_sample(const, x, [0, 12], abar)
    assert torch.allclose(out, (x - math.sqrt(1 - a12) * c) /
                          math.sqrt(a12), atol=1e-12)


def test_ddim_eta_noise(abar):
    x = torch.zeros(20000, 1, dtype=torch.float64)
    zero = lambda xt, t: torch.zeros_like(xt)  # noqa: E731
    g1 = torch.Generator().manual_seed(1)
    g2 = torch.Generator().manual_seed(2)
    a = ddim_sample(zero, x, [0, 12], abar, eta=1.0, generator=g1)
    b = ddim_sample(zero, x, [0, 12], abar, eta=1.0, generator=g2)
    assert not torch.allclose(a, b)
    again = ddim_sample(zero, x, [0, 12], abar, eta=1.0,
                        generator=torch.Generator().manual_seed(1))
    assert torch.equal(a, again)
    # only 12 -> 0 adds noise c1 z; 0 -> -1 divides it by sqrt(a0)
    a0, a12 = abar[0].item(), abar[12].item()
    c1 = math.sqrt((1 - a12 / a0) * (1 - a0) / (1 - a12))
    assert a.std().item() == pytest.approx(c1 / math.sqrt(a0), rel=0.03)
    # the last step (t' = -1) is deterministic whatever eta
    one = ddim_sample(zero, x[:3], [0], abar, eta=1.0, generator=g1)
    assert torch.equal(one, ddim_sample(zero, x[:3], [0], abar))
    # eta = 0 ignores the generator
    assert torch.equal(
        ddim_sample(zero, x[:3] + 1, [0, 12], abar, generator=g1),
        ddim_sample(zero, x[:3] + 1, [0, 12], abar, generator=g2))


def test_ddim_float32_matches_reference_formula():
    """float32 schedule + input: same numbers as the original's per-sample
    (n, 1, 1) coefficient tensors (written out from the formulas)."""
    betas = linear_betas().float()
    abar32 = alphas_cumprod(betas)
    w = torch.randn(5, 5, generator=torch.Generator().manual_seed(0))

    def eps_fn(xt, t):
        return torch.tanh(xt @ w) * (1 + t.float()[:, None, None] / 50)

    x = torch.randn(3, 17, 5, generator=torch.Generator().manual_seed(1))
    out = ddim_sample(eps_fn, x, [0, 12], abar32)
    ext = torch.cat([torch.ones(1), abar32])
    ref = x
    for t, tn in ((12, 0), (0, -1)):
        at = ext[t + 1].repeat(3).view(-1, 1, 1)
        an = ext[tn + 1].repeat(3).view(-1, 1, 1)
        e = eps_fn(ref, torch.full((3, ), t))
        x0 = (ref - e * (1 - at).sqrt()) / at.sqrt()
        c2 = ((1 - an) - 0.**2).sqrt()
        ref = an.sqrt() * x0 + c2 * e
    assert out.dtype == torch.float32
    assert torch.allclose(out, ref, atol=1e-6, rtol=0)


def test_ddim_batch_shapes_and_errors(abar):
    calls = []

    def eps_fn(xt, t):
        calls.append(xt.shape)
        return xt * 0.1

    x = torch.randn(6, 243, 17, 5)
    out = ddim_sample(eps_fn, x, [0, 6], abar)
    assert out.shape == x.shape and calls == [x.shape, x.shape]
    with pytest.raises(ValueError, match='ascending'):
        ddim_sample(eps_fn, x, [12, 0], abar)
    with pytest.raises(ValueError, match='outside'):
        ddim_sample(eps_fn, x, [0, 51], abar)
    with pytest.raises(ValueError, match='empty'):
        ddim_sample(eps_fn, x, [], abar)
    with pytest.raises(ValueError, match='eps_fn returned'):
        ddim_sample(lambda xt, t: xt[:, :1], x, [0], abar)
