"""ZeDO's optimisation (Jiang et al., WACV 2024) as batched pure functions.

Every function works on a flat batch ``N = B * S`` (samples times
hypotheses): nothing loops over samples or hypotheses; only IPO's Adam steps
and OIL's iterations are Python loops.

- :func:`ipo` (initial pose optimisation): per pose a rotation about chosen
  camera axes and a depth scale along the root's ray, Adam on an L1 pixel
  loss over a few joints (pelvis + hips for Human3.6M).
- :func:`ls_translation`: the closed-form translation that best puts every
  joint on its camera ray (confidence^2-weighted rows, as the original).
- :func:`oil` (optimisation-iteration loop): snap every joint onto its ray,
  then one deterministic reverse step of the score prior.

Conventions: camera frame (x right, y down, z forward), metres, pixel 2D;
``rays`` are unit directions from :func:`poselift_mm.geometry.pixels_to_rays`
(lens distortion removed when the camera has it).
"""
from typing import Callable, Optional, Sequence

import torch

from poselift_mm.diffusion.sde import SubVPSDE, reverse_step
from poselift_mm.geometry.camera import project_onto_rays, project_to_pixels
from poselift_mm.geometry.skeleton import quaternion_to_matrix

__all__ = [
    'ls_translation', 'ipo', 'ipo_joint_weights', 'oil',
    'reprojection_error', 'oil_step_size', 'snap_fractions'
]

_AXES = {'x': 1, 'y': 2, 'z': 3}


def ls_translation(x, rays, weights, eps: float = 1e-12):
    """Translation T (N, 3) so that ``x + T`` lies best on the rays.

    ``x`` (N, K, 3) root-relative pose, ``rays`` (N, K, 3) (any length, z >
    0), ``weights`` (N, K) confidences: each joint gives the two equations
    ``-T_x + a_x T_z = X - a_x Z`` and ``-T_y + a_y T_z = Y - a_y Z`` with
    ``a = ray / ray_z``; rows are scaled by ``weights^2`` (ZeDO: squared
    confidences, i.e. least-squares weight ``c^4``). Solved by the batched
    3x3 normal equations; ``T`` is flipped when ``T_z < 0`` as the original.
    """
    a = rays[..., :2] / rays[..., 2:3]  # (N, K, 2)
    # the solution does not depend on the weights' overall scale: normalise
    # per pose so tiny (e.g. clamped all-zero) confidences act as uniform
    weights = weights / weights.amax(1, keepdim=True).clamp_min(1e-30)
    w2 = (weights * weights)[..., None]  # row scale
    # rows: A_r = [-1 or 0, 0 or -1, a], b_r = x_xy - a * z
    b = (x[..., :2] - a * x[..., 2:3]) * w2  # (N, K, 2)
    ax, ay = a[..., 0], a[..., 1]
    wr = w2[..., 0] ** 2  # normal-equation weight per row (c^4)
    n = x.shape[0]
    ata = x.new_zeros(n, 3, 3)
    ata[:, 0, 0] = wr.sum(1)
    ata[:, 1, 1] = wr.sum(1)
    ata[:, 0, 2] = ata[:, 2, 0] = -(wr * ax).sum(1)
    ata[:, 1, 2] = ata[:, 2, 1] = -(wr * ay).sum(1)
    ata[:, 2, 2] = (wr * (ax * ax + ay * ay)).sum(1)
    atb = torch.stack([
        -(w2[..., 0] * b[..., 0]).sum(1), -(w2[..., 0] * b[..., 1]).sum(1),
        (w2[..., 0] * (ax * b[..., 0] + ay * b[..., 1])).sum(1)
    ], -1)
    ata = ata + eps * torch.eye(3, dtype=x.dtype, device=x.device)
    t = torch.linalg.solve(ata, atb)
    return torch.where(t[:, 2:3] < 0, -t, t)


def reprojection_error(x_cam, uv, f, c, k=None, p=None):
    """Pixel distance (N, K) between ``project(x_cam)`` and ``uv`` (N, K, 2).

    ``f``, ``c`` (N, 2) (or broadcastable), ``k`` (N, 3), ``p`` (N, 2).
    Joints at or behind the camera plane are projected from z = 1 mm, so
    they get a very large error instead of failing the whole batch."""
    x_cam = torch.cat([x_cam[..., :2], x_cam[..., 2:].clamp_min(1e-3)], -1)
    proj = project_to_pixels(x_cam, f[:, None], c[:, None],
                             None if k is None else k[:, None],
                             None if p is None else p[:, None])
    return torch.linalg.vector_norm(proj - uv, dim=-1)


def ipo_joint_weights(visible, joints: Sequence[int]):
    """(N, K) weights of IPO's loss from a (N, K) bool ``visible``: 1 on
    the visible ``joints``; a pose whose ``joints`` are all missing uses
    every visible joint instead (this project's missing-joint rule)."""
    w = torch.zeros_like(visible, dtype=torch.float32)
    w[:, list(joints)] = visible[:, list(joints)].float()
    none = w.sum(1, keepdim=True) == 0
    return torch.where(none, visible.float(), w)


def ipo(x0, uv, rays, f, c, k=None, p=None, joints: Sequence[int] = (0, 1,
                                                                      4),
        axes: str = 'z', depth: float = 3., scale_range=(0.5, 2.),
        iters: int = 500, lr: float = 0.1, root_index: int = 0,
        visible=None):
    """Initial pose optimisation: ``(R (N, 3, 3), T (N, 3))``.

    ``x0`` (N, K, 3) root-relative start poses, ``uv`` (N, K, 2) px,
    ``rays`` (N, K, 3) unit. ``T`` lies on the root's ray at
    ``depth * clamp(s, *scale_range)`` metres; ``R`` turns about the camera
    ``axes`` only ('z', 'xyz', ...). Adam (``lr``) minimises the L1 pixel
    error of ``joints`` (mean per pose, summed over poses so each pose's
    step does not depend on the batch size). ``visible`` (N, K) bool: the
    mean runs over the visible ``joints`` only (:func:`ipo_joint_weights`);
    None: all visible (the original).
    """
    n = x0.shape[0]
    bad = [a for a in axes if a not in _AXES]
    if bad:
        raise ValueError(f"ipo: axes must be letters of 'xyz', got {axes!r}")
    mask = x0.new_zeros(4)
    mask[0] = 1.
    for a in axes:
        mask[_AXES[a]] = 1.
    t_dir = rays[:, root_index] * depth  # (N, 3)
    joints = list(joints)
    w = None
    if visible is not None:  # weighted mean over the visible joints
        w = ipo_joint_weights(visible, joints).to(x0)
        w = w / w.sum(1, keepdim=True).clamp_min(1.)
        joints = list(range(x0.shape[1]))
    xj, uvj = x0[:, joints].detach(), uv[:, joints].detach()
    kk = None if k is None else k[:, None]
    pp = None if p is None else p[:, None]
    lo, hi = scale_range
    with torch.enable_grad():
        q = x0.new_zeros(n, 4)
        q[:, 0] = 1.
        q.requires_grad_(True)
        s = x0.new_ones(n, 1, requires_grad=True)
        opt = torch.optim.Adam([q, s], lr=lr)
        for _ in range(iters):
            opt.zero_grad(set_to_none=True)
            R = quaternion_to_matrix(q * mask)
            X = xj @ R.transpose(-1, -2) + (t_dir * s.clamp(lo, hi))[:, None]
            X = torch.cat([X[..., :2], X[..., 2:].clamp_min(1e-3)], -1)
            proj = project_to_pixels(X, f[:, None], c[:, None], kk, pp)
            if w is None:
                loss = (proj - uvj).abs().mean((1, 2)).sum()
            else:
                loss = ((proj - uvj).abs().mean(2) * w).sum()
            loss.backward()
            opt.step()
    with torch.no_grad():
        R = quaternion_to_matrix(q.detach() * mask)
        T = t_dir * s.detach().clamp(lo, hi)
    return R, T


def snap_fractions(conf, power: Optional[float]):
    """(N, K) confidences in [0, 1] -> per-joint snap fractions
    ``conf ** power`` for :func:`oil` (None: None, every joint snaps fully
    as the original; power 0: full snaps too). A robust-fitting weight, not
    in ZeDO: with exact 2D (confidence 1) it changes nothing."""
    if power is None:
        return None
    if power < 0:
        raise ValueError(f'snap power must be >= 0 or None, got {power}')
    return conf.clamp(0., 1.) ** float(power)


def oil_step_size(mode: str, iters: int, t_start: float, t_end: float,
                  sde: SubVPSDE, ref_iters: int = 1000) -> Optional[float]:
    """The ``dt`` :func:`reverse_step` gets in OIL for a step ``mode``:
    'original' -> None (1/N), 'scaled' -> ``(1/N) ref_iters / iters`` (the
    original's total pull in fewer iterations), 'corrected' -> the
    schedule's real spacing ``(t_start - t_end) / (iters - 1)``."""
    if mode == 'original':
        return None
    if mode == 'scaled':
        return ref_iters / (sde.N * iters)
    if mode == 'corrected':
        return (t_start - t_end) / max(iters - 1, 1)
    raise ValueError(f"OIL step mode must be 'original', 'scaled' or "
                     f"'corrected', got {mode!r}")


def oil(x, T, rays, weights, noise_fn: Callable, sde: SubVPSDE,
        iters: int = 1000, t_start: float = 0.1, t_end: float = 0.01,
        fix_translation_iters: int = 200, mode: str = 'original',
        ref_iters: int = 1000, visible=None, snap=None):
    """Optimisation loop: ``(x (N, K, 3), T (N, 3))`` after ``iters`` steps.

    Each iteration: (after ``fix_translation_iters``) ``T =
    ls_translation``; every joint of ``x + T`` is moved to the closest point
    of its ray; one deterministic reverse step of the prior at ``t``
    (linearly from ``t_start`` to ``t_end``). ``noise_fn(x, t (N,)) ->
    eps_hat``. Returns the post-diffusion pose, like the original.
    ``visible`` (N, K) bool: missing joints are not moved onto their rays
    (their 2D says nothing; the prior alone places them); give them
    ``weights`` 0 too. None: every joint snaps (the original).
    ``snap`` (N, K) in [0, 1] or None: the fraction of the way each joint
    moves toward its ray per iteration, ``x + snap (snapped - x)`` (None:
    all the way, the original); :func:`snap_fractions` makes it from the
    confidences, so an unreliable 2D joint is pulled gently and the prior
    has the last word on it.
    """
    ts = torch.linspace(t_start, t_end, iters, dtype=x.dtype,
                        device=x.device) if iters > 1 else torch.full(
                            (1, ), t_start, dtype=x.dtype, device=x.device)
    dt = oil_step_size(mode, iters, t_start, t_end, sde, ref_iters)
    step_mode = 'scaled' if mode == 'scaled' else mode

    def score_fn(xx, tt):
        std = sde.std(tt).reshape(-1, *([1] * (xx.dim() - 1)))
        return -noise_fn(xx, tt) / std

    for i in range(iters):
        if i >= fix_translation_iters:
            T = ls_translation(x, rays, weights)
        snapped = project_onto_rays(x + T[:, None], rays) - T[:, None]
        if snap is not None:
            snapped = torch.lerp(x, snapped, snap[..., None])
        x = snapped if visible is None else torch.where(
            visible[..., None], snapped, x)
        x = reverse_step(x, ts[i], score_fn, sde, mode=step_mode, dt=dt)
    return x, T
