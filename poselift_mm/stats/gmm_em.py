"""EM for diagonal 2D Gaussian mixtures, G independent groups at once
(Dempster, Laird & Rubin 1977; the per-joint 2D error mixtures of DiffPose,
Gong et al. CVPR 2023, and its per-frame heatmap fits). Seeds with
:func:`poselift_mm.stats.kmeans.kmeans_pp`.
"""
import math
from typing import Optional

import torch

from poselift_mm.geometry.checks import as_float64
from .kmeans import kmeans_pp

__all__ = ['fit_diag_gmm']

_LOG_2PI = math.log(2 * math.pi)


def _e_step(feats, w, pi, mu, sigma, chunk_size):
    """Weighted E-step accumulated over point chunks.

    ``feats`` (G, P, 4) = [x, x^2] per point; returns (mean log-lik (G,),
    N_k (G, K), sum r [x, x^2] (G, K, 4)). The Gaussian exponent is expanded
    into one batched matmul, ``[x, x^2] @ [mu / s^2, -1 / (2 s^2)]``.
    """
    G, P, _ = feats.shape
    inv_var = sigma.pow(-2)  # (G, K, 2)
    coef = torch.cat([mu * inv_var, -0.5 * inv_var], -1).transpose(1, 2)
    const = (pi.clamp_min(1e-300).log() - 0.5 * (mu.pow(2) * inv_var).sum(-1)
             - sigma.log().sum(-1) - _LOG_2PI)[:, None]  # (G, 1, K)
    ll = feats.new_zeros(G)
    nk = feats.new_zeros(G, pi.shape[1])
    stats = feats.new_zeros(G, pi.shape[1], 4)
    for start in range(0, P, chunk_size):
        fs = feats[:, start:start + chunk_size]
        ws = w[:, start:start + chunk_size]
        lp = torch.bmm(fs, coef) + const
        lse = torch.logsumexp(lp, dim=-1)
        r = torch.exp(lp - lse[..., None]) * ws[..., None]
        ll += (ws * lse).sum(1)
        nk += r.sum(1)
        stats += torch.bmm(r.transpose(1, 2), fs)
    return ll, nk, stats


def fit_diag_gmm(x: torch.Tensor,
                 weights: Optional[torch.Tensor] = None,
                 num_components: int = 1,
                 iters: int = 100,
                 tol: float = 1e-6,
                 min_sigma: float = 0.,
                 generator: Optional[torch.Generator] = None,
                 chunk_size: int = 65536) -> dict:
    """Weighted EM for G independent 2D diagonal mixtures at once.

    ``x`` (G, P, 2) points, ``weights`` (G, P) >= 0 (None: equal; each
    group's weights are normalised to sum 1). Vectorised over groups, with
    a Python loop over EM iterations (and point chunks of ``chunk_size``).
    Init: weighted k-means++ centres, equal weights, the group's std; sigmas
    are floored at ``min_sigma`` (at least 1e-12); a component that loses all mass keeps its
    previous mean and sigma. K = 1 is the exact weighted mean / population
    std. Stops when no group's mean log-likelihood rises by ``tol``.
    Returns float64 ``pi`` (G, K) sorted descending, ``mu`` (G, K, 2),
    ``sigma`` (G, K, 2), ``log_lik`` (G,) weighted mean, ``iters`` run.
    """
    x = as_float64(x)
    if x.ndim != 3 or x.shape[-1] != 2:
        raise ValueError(f'fit_diag_gmm: x must be (G, P, 2), got '
                         f'{tuple(x.shape)}')
    G, P, _ = x.shape
    K = int(num_components)
    if K < 1 or P < K:
        raise ValueError(f'fit_diag_gmm: need 1 <= num_components <= points, '
                         f'got {K} components and {P} points')
    if not torch.isfinite(x).all():
        raise ValueError('fit_diag_gmm: x has NaN/inf values')
    if weights is None:
        w = x.new_full((G, P), 1. / P)
    else:
        w = as_float64(weights).expand(G, P)
        if not torch.isfinite(w).all() or (w < 0).any():
            raise ValueError('fit_diag_gmm: weights must be finite and >= 0')
        total = w.sum(1, keepdim=True)
        if (total <= 0).any():
            g = int(torch.nonzero(total[:, 0] <= 0)[0])
            raise ValueError(f'fit_diag_gmm: group {g} has zero total weight')
        w = w / total
    min_sigma = max(float(min_sigma), 1e-12)  # keep 1 / sigma^2 finite
    centre = (w[..., None] * x).sum(1)  # fit centred data, add back after
    xc = x - centre[:, None]
    std = (w[..., None] * xc.pow(2)).sum(1).sqrt().clamp_min(min_sigma)
    pi = x.new_full((G, K), 1. / K)
    sigma = std[:, None].expand(G, K, 2).clone()
    feats = torch.cat([xc, xc.pow(2)], -1)
    if K == 1:
        mu = x.new_zeros(G, 1, 2)
        ll = _e_step(feats, w, pi, mu, sigma, chunk_size)[0]
        return dict(pi=pi, mu=mu + centre[:, None], sigma=sigma, log_lik=ll,
                    iters=0)
    mu = kmeans_pp(xc, w, K, generator)
    prev, it, ll = None, 0, None
    for it in range(1, iters + 1):
        ll, nk, stats = _e_step(feats, w, pi, mu, sigma, chunk_size)
        if prev is not None and bool(((ll - prev) < tol).all()):
            break
        prev = ll
        alive = (nk > 1e-12)[..., None]
        nk_safe = nk.clamp_min(1e-12)[..., None]
        new_mu = stats[..., :2] / nk_safe
        new_var = (stats[..., 2:] / nk_safe - new_mu.pow(2)).clamp_min(0.)
        mu = torch.where(alive, new_mu, mu)
        sigma = torch.where(alive, new_var.sqrt().clamp_min(min_sigma), sigma)
        pi = nk / nk.sum(1, keepdim=True)
        ll = None
    if ll is None:  # ended on an M-step: score the final parameters
        ll = _e_step(feats, w, pi, mu, sigma, chunk_size)[0]
    order = torch.argsort(pi, dim=1, descending=True)
    pi = pi.gather(1, order)
    mu = mu.gather(1, order[..., None].expand(G, K, 2))
    sigma = sigma.gather(1, order[..., None].expand(G, K, 2))
    return dict(pi=pi, mu=mu + centre[:, None], sigma=sigma, log_lik=ll,
                iters=it)
