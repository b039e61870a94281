"""Weighted k-means in torch, batched over independent groups of points.

Owns k-means++ seeding (Arthur & Vassilvitskii 2007, "k-means++: the
advantages of careful seeding"; a point's draw probability is its weight
times its squared distance to the nearest centre so far) and Lloyd's
iterations (Lloyd 1982, "Least squares quantization in PCM") on weighted
points. Shapes: ``x`` (G, P, D) points of G groups, ``weights`` (G, P) >= 0
with a positive sum per group, centres (G, K, D). Randomness only comes
from an explicit ``generator``.

``poselift_mm.datasets.clusters.kmeans`` keeps its own numpy version: the
committed ZeDO initial poses (``tools/make_clusters.py``) are reproduced
from its numpy random stream, which torch's sampling cannot give.
"""
from typing import Optional, Tuple

import torch

__all__ = ['kmeans_pp', 'nearest_centre', 'lloyd', 'weighted_kmeans']


def kmeans_pp(x: torch.Tensor, weights: torch.Tensor, k: int,
              generator: Optional[torch.Generator] = None) -> torch.Tensor:
    """Weighted k-means++ seeding per group: x (G, P, D) -> (G, k, D).

    The first centre is drawn with probability ~ ``weights``, each next one
    ~ ``weights * d2`` (d2: squared distance to the nearest centre so far),
    or ~ ``weights`` again once every point is a centre (d2 all 0).
    """
    G, P, D = x.shape
    idx = torch.multinomial(weights, 1, generator=generator)
    centres = [x.gather(1, idx[..., None].expand(G, 1, D))]
    d2 = (x - centres[0]).pow(2).sum(-1)
    for _ in range(1, k):
        p = weights * d2
        p = torch.where(p.sum(1, keepdim=True) > 0, p, weights)
        idx = torch.multinomial(p, 1, generator=generator)
        centres.append(x.gather(1, idx[..., None].expand(G, 1, D)))
        d2 = torch.minimum(d2, (x - centres[-1]).pow(2).sum(-1))
    return torch.cat(centres, 1)


def nearest_centre(x: torch.Tensor, centres: torch.Tensor,
                   chunk_size: int = 65536
                   ) -> Tuple[torch.Tensor, torch.Tensor]:
    """Index (G, P) of each point's nearest centre and the squared distance
    (G, P) to it; ``|x|^2 - 2 x.c + |c|^2`` over chunks of ``chunk_size``
    points bounds the (G, chunk, K) distance matrix."""
    c2 = centres.pow(2).sum(-1)[:, None]  # (G, 1, K)
    labels, dist2 = [], []
    for s in range(0, x.shape[1], chunk_size):
        xs = x[:, s:s + chunk_size]
        d = xs.pow(2).sum(-1, keepdim=True) - 2 * xs @ centres.transpose(
            1, 2) + c2
        best, arg = d.min(-1)
        labels.append(arg)
        dist2.append(best.clamp_min(0.))
    return torch.cat(labels, 1), torch.cat(dist2, 1)


def lloyd(x: torch.Tensor, centres: torch.Tensor, weights: torch.Tensor,
          iters: int = 50, chunk_size: int = 65536) -> dict:
    """Lloyd's iterations from ``centres`` (G, K, D): each point goes to its
    nearest centre, each centre to the weighted mean of its points (one
    without weight stays). Stops after ``iters`` or when no centre moves
    (``torch.allclose``). Returns ``centres`` (G, K, D), ``labels`` (G, P),
    ``inertia`` (G,) weighted sum of squared distances, ``iters`` run."""
    G, P, D = x.shape
    tiny = torch.finfo(x.dtype).tiny
    it = 0
    for it in range(1, iters + 1):
        labels, _ = nearest_centre(x, centres, chunk_size)
        sums = x.new_zeros(centres.shape).scatter_add_(
            1, labels[..., None].expand(G, P, D), weights[..., None] * x)
        mass = x.new_zeros(centres.shape[:2]).scatter_add_(1, labels,
                                                           weights)
        moved = torch.where(mass[..., None] > 0,
                            sums / mass.clamp_min(tiny)[..., None],
                            centres)
        if torch.allclose(moved, centres):
            break
        centres = moved
    labels, dist2 = nearest_centre(x, centres, chunk_size)
    return dict(centres=centres, labels=labels,
                inertia=(weights * dist2).sum(1), iters=it)


def weighted_kmeans(x: torch.Tensor, k: int,
                    weights: Optional[torch.Tensor] = None,
                    iters: int = 50,
                    generator: Optional[torch.Generator] = None,
                    chunk_size: int = 65536) -> dict:
    """k-means++ seeding then Lloyd, per group: x (G, P, D) -> the dict of
    :func:`lloyd` (``centres`` (G, k, D), ``labels``, ``inertia``,
    ``iters``). ``weights`` (G, P) >= 0 (None: equal)."""
    if x.ndim != 3 or not x.is_floating_point():
        raise ValueError('weighted_kmeans: x must be a float (G, P, D) '
                         f'tensor, got {x.dtype} {tuple(x.shape)}')
    G, P, _ = x.shape
    if not 1 <= k <= P:
        raise ValueError(f'weighted_kmeans: need 1 <= k <= {P} points, '
                         f'got k = {k}')
    if not torch.isfinite(x).all():
        raise ValueError('weighted_kmeans: x has NaN/inf values')
    if weights is None:
        weights = x.new_ones(G, P)
    weights = weights.to(x).expand(G, P)
    if not torch.isfinite(weights).all() or (weights < 0).any() or \
            (weights.sum(1) <= 0).any():
        raise ValueError('weighted_kmeans: weights must be finite, >= 0 and '
                         'with a positive sum in every group')
    centres = kmeans_pp(x, weights, k, generator)
    return lloyd(x, centres, weights, iters, chunk_size)
