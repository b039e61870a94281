"""Multi-hypothesis post-processing shared by the lifting heads: the
spread of a hypothesis set, its aggregation (deployable: no ground truth),
and picking one frame of a window. Pure tensor functions."""
from typing import Optional

import torch

from poselift_mm.diffusion.zedo_optim import (ls_translation,
                                              reprojection_error)
from poselift_mm.geometry.camera import pixels_to_rays

__all__ = ['hypothesis_spread', 'aggregate_hypotheses', 'medoid_index',
           'select_frame',
           'hypothesis_reprojection', 'OUTPUT_FRAMES', 'AGGREGATES']

OUTPUT_FRAMES = (None, 'last', 'centre')
# 'jagg': D3DP's joint-wise reprojection aggregation; 'min_reproj': the
# whole hypothesis of lowest weighted reprojection error (ZeDO's choice);
# 'medoid': the hypothesis nearest the others (a consensus, no 2D needed)
AGGREGATES = ('mean', 'median', 'min_reproj', 'jagg', 'medoid')


def hypothesis_spread(hyps: torch.Tensor, dim: int = 1) -> torch.Tensor:
    """Per-joint RMS distance of the hypotheses to their mean.

    ``hyps`` (..., H, ..., K, 3) with H at ``dim`` -> the same shape
    without H and without the last axis, e.g. (B, H, T, K, 3) -> (B, T, K).
    """
    d = (hyps - hyps.mean(dim, keepdim=True)).norm(dim=-1)
    return d.pow(2).mean(dim).sqrt()


def aggregate_hypotheses(hyps: torch.Tensor, mode: str, dim: int = 1,
                         reproj: Optional[torch.Tensor] = None,
                         conf: Optional[torch.Tensor] = None):
    """(N, H, K, 3) hypotheses -> (N, K, 3) deployable pose and the index
    (N,) of the chosen hypothesis (-1 for 'mean' / 'median' / 'jagg').

    ``mode``: 'mean' / 'median' per coordinate; 'min_reproj', the
    hypothesis of lowest ``conf``-weighted mean reprojection error
    (``reproj`` (N, H, K) px, ``conf`` (N, K); ZeDO's deployable choice);
    'jagg', per joint the hypothesis whose joint reprojects closest to the
    2D (D3DP's joint-wise reprojection-based aggregation, Shan et al.,
    ICCV 2023, Sec. 3.4; root-relative hypotheses, so the root's own pick
    does not matter); a missing joint (``conf`` 0) has no 2D to pick by and
    takes the hypotheses' mean. 'medoid': the hypothesis of lowest mean
    MPJPE to the others (:func:`medoid_index`).
    """
    n = hyps.shape[0]
    none = hyps.new_full((n, ), -1).long()
    if mode == 'mean':
        return hyps.mean(dim), none
    if mode == 'median':
        return hyps.median(dim).values, none
    if mode == 'medoid':
        best = medoid_index(hyps)
        return hyps[torch.arange(n), best], best
    if mode == 'jagg':
        best = reproj.argmin(1)  # (N, K)
        idx = best[:, None, :, None].expand(-1, 1, -1, hyps.shape[-1])
        agg = hyps.gather(1, idx)[:, 0]
        if conf is not None:
            agg = torch.where(conf[..., None] > 0, agg, hyps.mean(dim))
        return agg, none
    if mode != 'min_reproj':
        raise ValueError(f'aggregate must be one of {AGGREGATES}, got '
                         f'{mode!r}')
    w = conf[:, None]
    best = ((reproj * w).sum(-1) / w.sum(-1)).argmin(1)
    return hyps[torch.arange(n), best], best


def medoid_index(hyps: torch.Tensor) -> torch.Tensor:
    """(N, H, K, 3) -> (N,) index of the hypothesis whose mean per-joint
    distance to the other hypotheses is lowest (the medoid: the set's
    consensus, the mode it agrees on; ties to the first)."""
    d = (hyps[:, :, None] - hyps[:, None]).norm(dim=-1).mean(-1)  # N,H,H
    return d.sum(-1).argmin(1)


def select_frame(out: dict, keep: Optional[str], frame_dim: int = 1) -> dict:
    """Keep one frame of each window: ``keep`` 'last' (a causal window) or
    'centre' (a centred one) of every tensor in ``out`` whose axis
    ``frame_dim`` is the T axis ('hypotheses' has it one later); None or
    T = 1 returns ``out`` unchanged."""
    if keep not in OUTPUT_FRAMES:
        raise ValueError(f'output_frame must be one of {OUTPUT_FRAMES}, got '
                         f'{keep!r}')
    t = out['keypoints'].shape[frame_dim]
    if keep is None or t == 1:
        return out
    j = t - 1 if keep == 'last' else t // 2
    sel = {}
    for key, v in out.items():
        d = frame_dim + 1 if key == 'hypotheses' else frame_dim
        sel[key] = v.narrow(d, j, 1) if torch.is_tensor(v) else v
    return sel


def hypothesis_reprojection(hyps: torch.Tensor, uv: torch.Tensor,
                            conf: torch.Tensor, f, c, k=None, p=None):
    """Per-joint reprojection error (N, H, K) px of root-relative
    hypotheses ``hyps`` (N, H, K, 3) metres against ``uv`` (N, K, 2) px.

    Each hypothesis is placed by its own least-squares translation onto
    the keypoints' rays (``ls_translation``, weighted by ``conf`` (N, K)),
    so no ground-truth root is used; ``f``, ``c`` (N, 2), ``k`` (N, 3),
    ``p`` (N, 2) | None.
    """
    n, h, nj = hyps.shape[:3]
    rep = lambda v: None if v is None else v.repeat_interleave(h, 0)  # noqa
    uv_h, conf_h, f_h, c_h, k_h, p_h = (rep(v) for v in (uv, conf, f, c, k,
                                                          p))
    rays = pixels_to_rays(uv_h, f_h[:, None], c_h[:, None],
                          None if k_h is None else k_h[:, None],
                          None if p_h is None else p_h[:, None])
    x = hyps.reshape(n * h, nj, 3)
    t = ls_translation(x, rays, conf_h)
    err = reprojection_error(x + t[:, None], uv_h, f_h, c_h, k_h, p_h)
    return err.reshape(n, h, nj)
