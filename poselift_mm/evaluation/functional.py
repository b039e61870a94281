"""Error functions for 3D pose lifting (numpy or torch in, same kind out).

Shapes: poses (..., K, 3), hypotheses (..., H, K, 3), per-joint errors
(..., K). Functions keep the input's units unless the name says ``_mm``
(metres in, millimetres out). Procrustes alignment is
``poselift_mm.geometry.procrustes_align``; nothing here re-implements it.

Multi-hypothesis definitions follow D3DP (Shan et al., "Diffusion-Based 3D
Human Pose Estimation with Multi-Hypothesis Aggregation", ICCV 2023; repo
paTRICK-swk/D3DP, ``common/loss.py`` and ``main.py``):

- P-Best (oracle, ``mpjpe_diffusion``): the hypothesis with the lowest pose
  error. D3DP's code takes the minimum over hypotheses of the error averaged
  over a whole batch/clip; we take it per pose (the paper's definition).
- J-Best (oracle, ``mpjpe_diffusion_all_min``): per joint, the hypothesis
  closest to the ground truth.
- P-Agg / mean (``mean_pos=True``): the average of the hypotheses.
- J-Agg (deployable, ``mpjpe_diffusion_reproj``): per joint, the hypothesis
  whose 2D reprojection is closest to the 2D input.
"""
from typing import Sequence, Union

import numpy as np
import torch

from poselift_mm.geometry import check_points, procrustes_align
from poselift_mm.geometry.checks import torchify

M_TO_MM = 1000.0
# metric mode -> alignment applied to the prediction before the joint errors
ALIGNMENTS = {'mpjpe': 'none', 'p-mpjpe': 'procrustes', 'n-mpjpe': 'scale'}
# 3DHP thresholds of mpii_compute_3d_pck.m (``thresh = 0:5:150``)
AUC_THRESHOLDS_MM = tuple(float(t) for t in range(0, 151, 5))


def _check_pair(pred, target) -> int:
    """pred, target: (..., K, 3), finite -> K."""
    check_points(pred, 'pred', 3)
    if pred.ndim < 2:
        raise ValueError(f'pred: expected shape (..., K, 3), got shape '
                         f'{tuple(pred.shape)}')
    check_points(target, 'target', 3, pred.shape[-2])
    return pred.shape[-2]


def _as_tensor(x, like: torch.Tensor, dtype=None) -> torch.Tensor:
    """numpy/torch x -> tensor on like's device."""
    t = x if isinstance(x, torch.Tensor) else torch.as_tensor(np.asarray(x))
    return t.to(device=like.device, dtype=dtype)


def scale_align(pred, target):
    """pred, target: (..., K, 3) -> pred * s, s = <pred, target> / |pred|^2.

    The least-squares scale of Rhodin et al. 2018, as VideoPose3D's
    ``n_mpjpe`` (facebookresearch/VideoPose3D ``common/loss.py``).
    """
    _check_pair(pred, target)
    (p, q), back = torchify(pred, target)
    pp = (p * p).sum((-1, -2), keepdim=True)
    pq = (p * q).sum((-1, -2), keepdim=True)
    scale = pq / pp.clamp_min(torch.finfo(p.dtype).tiny)
    return back(p * scale)


def align(pred, target, alignment: str = 'none',
          allow_reflection: bool = False):
    """pred (..., K, 3) aligned onto target: 'none', 'scale', 'procrustes'."""
    if alignment == 'none':
        return pred
    if alignment == 'scale':
        return scale_align(pred, target)
    if alignment == 'procrustes':
        return procrustes_align(pred, target,
                                allow_reflection=allow_reflection)
    raise ValueError(f"alignment must be 'none', 'scale' or 'procrustes', "
                     f'got {alignment!r}')


def joint_errors(pred, target, alignment: str = 'none',
                 allow_reflection: bool = False):
    """pred, target: (..., K, 3) -> (..., K) distances after alignment.

    Broadcasts, e.g. hypotheses (N, H, K, 3) against target (N, 1, K, 3):
    each hypothesis is then aligned on its own.
    """
    _check_pair(pred, target)
    aligned = align(pred, target, alignment, allow_reflection)
    (p, q), back = torchify(aligned, target)
    return back(torch.linalg.vector_norm(p - q, dim=-1))


def masked_mean(errors, mask=None):
    """errors (..., K), mask (..., K) bool or None -> (...,) mean over visible
    joints (NaN where none is visible)."""
    (e, ), back = torchify(errors)
    if mask is None:
        return back(e.mean(-1))
    m = torch.broadcast_to(_as_tensor(mask, e, e.dtype), e.shape)
    return back((e * m).sum(-1) / m.sum(-1))


def mpjpe_mm(pred_m, target_m, alignment: str = 'none',
             allow_reflection: bool = False, mask=None):
    """pred, target: (..., K, 3) metres -> (...,) MPJPE in mm after alignment.

    ``mask`` (..., K): joints to average over (default all).
    """
    return masked_mean(
        joint_errors(pred_m, target_m, alignment, allow_reflection), mask) \
        * M_TO_MM


def n_mpjpe(pred, target):
    """pred, target: (..., K, 3) -> (...,) MPJPE after scale-only alignment."""
    return masked_mean(joint_errors(pred, target, 'scale'))


def _check_hypotheses(hyps, name: str = 'hypotheses'):
    """hyps: (..., H, K, 3) -> (H, K)."""
    check_points(hyps, name, 3)
    if hyps.ndim < 3:
        raise ValueError(f'{name}: expected shape (..., H, K, 3), got shape '
                         f'{tuple(hyps.shape)}')
    return hyps.shape[-3], hyps.shape[-2]


def _gather_joints(hyps, index):
    """hyps (..., H, K, 3), index (..., K) int -> (..., K, 3)."""
    (h, ), back = torchify(hyps)
    idx = _as_tensor(index, h, torch.long)
    idx = idx[..., None, :, None].expand(*idx.shape[:-1], 1, idx.shape[-1],
                                         h.shape[-1])
    return back(torch.gather(h, -3, idx)[..., 0, :, :])


def _index_out(index, like):
    """Return an index tensor as numpy when ``like`` is numpy."""
    return index if isinstance(like, torch.Tensor) else index.cpu().numpy()


def best_of_hypotheses(hyps, target, level: str = 'joint', mask=None):
    """ORACLE selection. hyps (..., H, K, 3), target (..., K, 3) ->
    (pose (..., K, 3), index (..., K) for 'joint' or (...,) for 'pose').

    'joint' (J-Best): per joint, the hypothesis nearest to the target.
    'pose' (P-Best): the hypothesis with the lowest MPJPE over the visible
    joints (``mask`` (..., K)). Ties go to the lowest index. Poses are
    compared as given (root-align them first for root-relative errors).
    """
    _, num_joints = _check_hypotheses(hyps)
    check_points(target, 'target', 3, num_joints)
    (h, q), back = torchify(hyps, target)
    err = torch.linalg.vector_norm(h - q[..., None, :, :], dim=-1)
    if level == 'joint':
        index = err.argmin(-2)  # (..., K)
        return _gather_joints(hyps, index), _index_out(index, hyps)
    if level == 'pose':
        m = None if mask is None else _as_tensor(mask, err).unsqueeze(-2)
        index = masked_mean(err, m).argmin(-1)  # (...,)
        index_k = index[..., None].expand(*index.shape, num_joints)
        return _gather_joints(hyps, index_k), _index_out(index, hyps)
    raise ValueError(f"level must be 'joint' or 'pose', got {level!r}")


def aggregate_by_reprojection(hyps, reproj_error_px):
    """DEPLOYABLE J-Agg. hyps (..., H, K, 3), reproj_error_px (..., H, K) ->
    (pose (..., K, 3), index (..., K)): per joint, the hypothesis with the
    lowest 2D reprojection error against the model's 2D input."""
    num_hyp, num_joints = _check_hypotheses(hyps)
    shape = tuple(reproj_error_px.shape)
    if reproj_error_px.ndim < 2 or shape[-2:] != (num_hyp, num_joints):
        raise ValueError(
            f'hypotheses_reproj_error: expected shape (..., {num_hyp}, '
            f'{num_joints}) to match hypotheses {tuple(hyps.shape)}, got '
            f'shape {shape}')
    (r, ), _ = torchify(reproj_error_px)
    if not bool(torch.isfinite(r).all()):
        raise ValueError('hypotheses_reproj_error contains non-finite values '
                         '(NaN/inf)')
    index = r.argmin(-2)
    return _gather_joints(hyps, index), _index_out(index, hyps)


def reduce_hypothesis_errors(errors, rule: str, mask=None,
                             reproj_error_px=None):
    """errors (..., H, K) of separately aligned hypotheses -> (..., K).

    D3DP's protocol for aligned errors (``p_mpjpe_diffusion*``): 'j-best'
    takes the per-joint minimum, 'p-best' the hypothesis with the lowest
    masked mean, 'j-agg' the per-joint hypothesis of lowest reprojection error.
    """
    (e, ), back = torchify(errors)
    if rule == 'j-best':
        return back(e.min(-2).values)
    if rule == 'p-best':
        m = None if mask is None else _as_tensor(mask, e).unsqueeze(-2)
        index = masked_mean(e, m).argmin(-1)
        index = index[..., None, None].expand(*index.shape, 1, e.shape[-1])
        return back(torch.gather(e, -2, index)[..., 0, :])
    if rule == 'j-agg':
        if reproj_error_px is None or tuple(
                reproj_error_px.shape) != tuple(e.shape):
            raise ValueError(
                "rule 'j-agg' needs hypotheses_reproj_error of the errors' "
                f'shape {tuple(e.shape)}, got '
                f"{getattr(reproj_error_px, 'shape', None)}")
        index = _as_tensor(reproj_error_px, e).argmin(-2)[..., None, :]
        return back(torch.gather(e, -2, index)[..., 0, :])
    raise ValueError(f"rule must be 'j-best', 'p-best' or 'j-agg', got "
                     f'{rule!r}')


def _thresholds(thresholds_mm) -> np.ndarray:
    thr = np.asarray(thresholds_mm, dtype=np.float64)
    if thr.ndim > 1 or not np.isfinite(thr).all():
        raise ValueError('thresholds_mm must be a finite scalar or 1-D list, '
                         f'got {thresholds_mm!r}')
    return thr


def pck3d(errors_mm, thresholds_mm: Union[float, Sequence[float]] = 150.0,
          mask=None):
    """errors_mm (..., K) -> percent of visible joints with error < threshold.

    Strict ``<`` as mpii_compute_3d_pck.m (MPI-INF-3DHP test release).
    Pooled over all visible entries; a scalar threshold gives a float, a list
    gives an array (T,). NaN if no joint is visible.
    """
    err = np.asarray(errors_mm.detach().cpu().numpy() if isinstance(
        errors_mm, torch.Tensor) else errors_mm, dtype=np.float64)
    thr = _thresholds(thresholds_mm)
    vis = np.ones(err.shape, bool) if mask is None else np.broadcast_to(
        np.asarray(mask, bool), err.shape)
    total = vis.sum()
    hits = ((err[..., None] < thr.reshape(-1)) & vis[..., None]).reshape(
        -1, thr.size).sum(0)
    pck = 100.0 * hits / total if total else np.full(thr.size, np.nan)
    return float(pck[0]) if thr.ndim == 0 else pck


def auc3d(errors_mm, thresholds_mm: Sequence[float] = AUC_THRESHOLDS_MM,
          mask=None) -> float:
    """errors_mm (..., K) -> mean of :func:`pck3d` over the thresholds (%).

    Default thresholds 0, 5, ..., 150 mm (31), as mpii_compute_3d_pck.m.
    """
    return float(np.mean(pck3d(errors_mm, list(thresholds_mm), mask)))
