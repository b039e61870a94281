"""Multi-hypothesis post-processing shared by the lifting heads: the
spread of a hypothesis set, its aggregation, and picking one frame of a
window. Pure tensor functions."""
from typing import Optional

import torch

__all__ = ['hypothesis_spread', 'aggregate_hypotheses', 'select_frame',
           'OUTPUT_FRAMES']

OUTPUT_FRAMES = (None, 'last', 'centre')


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
    (N,) of the chosen hypothesis (-1 for 'mean' / 'median').

    ``mode``: 'mean' / 'median' per coordinate, or 'min_reproj', the
    hypothesis of lowest ``conf``-weighted mean reprojection error
    (``reproj`` (N, H, K) px, ``conf`` (N, K); ZeDO's deployable choice).
    """
    n = hyps.shape[0]
    none = hyps.new_full((n, ), -1).long()
    if mode == 'mean':
        return hyps.mean(dim), none
    if mode == 'median':
        return hyps.median(dim).values, none
    if mode != 'min_reproj':
        raise ValueError(f"aggregate must be 'mean', 'median' or "
                         f"'min_reproj', got {mode!r}")
    w = conf[:, None]
    best = ((reproj * w).sum(-1) / w.sum(-1)).argmin(1)
    return hyps[torch.arange(n), best], best


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
