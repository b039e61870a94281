"""Sub-VP SDE (score_sde convention) and the reverse step ZeDO takes.

Conventions follow ``yang-song/score_sde_pytorch`` and ZeDO-Release:
``marginal_prob`` returns the *sub-VP* std ``1 - exp(2 lmc)`` (no square
root: the sub-VP marginal variance is ``(1 - exp(2 lmc))^2``), the network
predicts the noise ``eps`` and ``score = -eps / std``.
"""
import math

import torch

__all__ = ['SubVPSDE', 'score_from_noise', 'reverse_step']


class SubVPSDE:
    """Sub-VP SDE ``dx = -beta/2 x dt + sqrt(beta (1 - e^{-2 int beta})) dw``,
    ``beta(t) = beta_min + t (beta_max - beta_min)``."""

    def __init__(self, beta_min: float = 0.1, beta_max: float = 20.,
                 N: int = 1000, T: float = 1.):
        if N < 1:
            raise ValueError(f'SubVPSDE: N must be >= 1, got {N}')
        self.beta_0 = float(beta_min)
        self.beta_1 = float(beta_max)
        self.N = int(N)
        self.T = float(T)

    @staticmethod
    def _bcast(t, x):
        """``t`` (B,) or scalar -> broadcastable against ``x`` (B, ...)."""
        t = torch.as_tensor(t, dtype=x.dtype, device=x.device)
        return t.reshape(t.shape + (1, ) * (x.dim() - t.dim()))

    def beta(self, t):
        """beta(t), same shape as ``t``."""
        return self.beta_0 + t * (self.beta_1 - self.beta_0)

    def log_mean_coeff(self, t):
        """log of the mean coefficient, ``-t^2 (b1-b0)/4 - t b0/2``."""
        b0, b1 = self.beta_0, self.beta_1
        return -0.25 * t**2 * (b1 - b0) - 0.5 * t * b0

    def std(self, t):
        """Sub-VP std ``1 - exp(2 lmc(t))`` (no square root)."""
        lmc = self.log_mean_coeff(t)
        return 1. - (torch.exp(2. * lmc) if torch.is_tensor(lmc)
                     else math.exp(2. * lmc))

    def sde(self, x, t):
        """Forward drift and diffusion: ``(f (B, ...), g (B, 1...))``."""
        tb = self._bcast(t, x)
        beta_t = self.beta(tb)
        drift = -0.5 * beta_t * x
        discount = 1. - torch.exp(-2. * self.beta_0 * tb -
                                  (self.beta_1 - self.beta_0) * tb**2)
        return drift, torch.sqrt(beta_t * discount)

    def marginal_prob(self, x, t):
        """``(mean, std)`` of p_t(x | x0 = x); std broadcastable to x."""
        lmc = self.log_mean_coeff(self._bcast(t, x))
        return torch.exp(lmc) * x, 1. - torch.exp(2. * lmc)

    def prior_sampling(self, shape, generator=None, device=None,
                       dtype=torch.float32):
        """N(0, I) sample of ``shape``."""
        return torch.randn(shape, generator=generator, device=device,
                           dtype=dtype)

    def discretize(self, x, t):
        """score_sde's default Euler discretisation with ``dt = T / N``:
        ``(f dt, g sqrt(dt))``."""
        dt = self.T / self.N
        drift, diffusion = self.sde(x, t)
        return drift * dt, diffusion * math.sqrt(dt)


def score_from_noise(eps_hat, std):
    """Score ``-eps_hat / std`` with the sub-VP ``std = 1 - exp(2 lmc)``
    (ZeDO / score_sde ``get_score_fn`` for sub-VP)."""
    return -eps_hat / std


def reverse_step(x, t, score_fn, sde: SubVPSDE, mode: str = 'original',
                 dt=None):
    """One deterministic reverse step at time ``t`` (scalar or (B,)).

    ``x`` (B, ..., K, 3); ``score_fn(x, t_vec (B,)) -> score`` like ``x``.
    ``'original'``: ZeDO's update, reverse drift ``f - 1.0 g^2 s`` with
    ``|dt| = 1/N`` whatever the schedule, i.e.
    ``x + 1/N (1/2 beta x - beta (2 - std) eps)``; ``dt`` is ignored.
    ``'corrected'``: probability-flow ODE Euler step ``x - (f - 1/2 g^2 s) dt``
    with ``dt`` the (positive) actual time decrement of the schedule.
    ``'scaled'``: ZeDO's drift (score factor 1.0) with a given step ``dt``;
    ``dt = 1/N`` is ``'original'``, ``dt = (1/N) * n_ref / n`` keeps the
    original's total pull with ``n`` instead of ``n_ref`` iterations.
    """
    if mode == 'original':
        factor, step = 1.0, 1. / sde.N
    elif mode == 'scaled':
        if dt is None:
            raise ValueError("reverse_step: mode='scaled' needs dt")
        factor, step = 1.0, dt
    elif mode == 'corrected':
        if dt is None:
            raise ValueError("reverse_step: mode='corrected' needs dt "
                             '(the schedule spacing t_i - t_{i+1} > 0)')
        factor, step = 0.5, dt
    else:
        raise ValueError(f"reverse_step: mode must be 'original', "
                         f"'scaled' or 'corrected', got {mode!r}")
    t_vec = torch.as_tensor(t, dtype=x.dtype, device=x.device)
    if t_vec.dim() == 0:
        t_vec = t_vec.expand(x.shape[0])
    drift, diffusion = sde.sde(x, t_vec)
    score = score_fn(x, t_vec)
    rev_drift = drift - factor * diffusion**2 * score
    step = SubVPSDE._bcast(step, x) if torch.is_tensor(step) else step
    return x - rev_drift * step


def dsm_loss(noise_fn, sde: SubVPSDE, x0, eps: float = 1e-5,
             generator=None):
    """Continuous denoising score matching as ZeDO/score_sde train it
    (noise prediction, no likelihood weighting, ``reduce_mean=False``).

    ``x0`` (B, ...) clean poses; ``noise_fn(x_t, t (B,)) -> eps_hat`` like
    ``x0``. ``t ~ U(eps, 1)``, ``x_t = e^{lmc} x0 + std z``; returns the batch
    mean of ``0.5 * sum (z - eps_hat)^2`` over each sample's entries.
    """
    if x0.ndim < 2:
        raise ValueError(f'dsm_loss: x0 needs a batch dim, got {x0.shape}')
    t = eps + (1. - eps) * torch.rand(
        x0.shape[0], generator=generator, device=x0.device, dtype=x0.dtype)
    z = torch.randn(x0.shape, generator=generator, device=x0.device,
                    dtype=x0.dtype)
    mean, std = sde.marginal_prob(x0, t)
    eps_hat = noise_fn(mean + std * z, t)
    return 0.5 * (z - eps_hat).pow(2).flatten(1).sum(1).mean()
