"""Pinhole camera with Human3.6M distortion.

Here ``R`` (3, 3) rotates world -> camera and ``T`` is the camera centre in
world coordinates (metres): ``X_cam = R @ (X_world - T)``. ``f``, ``c`` are
pixels, ``k`` (3,) radial and ``p`` (2,) tangential distortion; column vectors
such as (2, 1) are accepted. Camera parameters may carry leading dims that
broadcast against the points' leading dims, e.g. ``f`` (B, 1, 2) with points
(B, K, 3).

MMPose's ``cameras.pkl`` stores ``R`` camera -> world (``SimpleCamera``), i.e.
the transpose of the ``R`` used here: load it through ``camera_from_pkl``.
"""
from typing import Mapping, Optional

import numpy as np
import torch

from .checks import CameraParamError, check_camera, check_points, torchify


def _vec(v: Optional[torch.Tensor], n: int,
         name: str) -> Optional[torch.Tensor]:
    """Parameter -> (..., n): squeezes an (n, 1) column; scalars broadcast."""
    if v is None or v.ndim == 0:
        return v
    if v.ndim >= 2 and v.shape[-2:] == (n, 1):
        v = v[..., 0]
    if v.shape[-1] != n:
        raise ValueError(f'{name}: expected shape (..., {n}) or ({n}, 1), '
                         f'got shape {tuple(v.shape)}')
    return v


def _rot(R: torch.Tensor) -> torch.Tensor:
    if R.ndim < 2 or R.shape[-2:] != (3, 3):
        raise ValueError(
            f'R: expected shape (..., 3, 3), got shape {tuple(R.shape)}')
    return R


def world_to_camera(x_world, R, T):
    """x_world: (..., 3) metres -> x_cam (..., 3) = R @ (x_world - T)."""
    check_points(x_world, 'x_world', 3)
    (x, R, T), back = torchify(x_world, R, T)
    R, T = _rot(R), _vec(T, 3, 'T')
    return back((R @ (x - T).unsqueeze(-1)).squeeze(-1))


def camera_to_world(x_cam, R, T):
    """x_cam: (..., 3) metres -> x_world (..., 3) = R^T @ x_cam + T."""
    check_points(x_cam, 'x_cam', 3)
    (x, R, T), back = torchify(x_cam, R, T)
    R, T = _rot(R), _vec(T, 3, 'T')
    return back((R.transpose(-1, -2) @ x.unsqueeze(-1)).squeeze(-1) + T)


def _distortion_terms(xy: torch.Tensor, k: Optional[torch.Tensor],
                      p: Optional[torch.Tensor]):
    """xy: (..., 2) -> (scale, offset) with distorted = xy * scale + offset."""
    x, y = xy[..., 0], xy[..., 1]
    r2 = x * x + y * y
    scale = torch.ones_like(r2)
    offset = torch.zeros_like(xy)
    if k is not None:
        scale = scale + r2 * (k[..., 0] + r2 * (k[..., 1] + r2 * k[..., 2]))
    if p is not None:
        p1, p2 = p[..., 0], p[..., 1]
        scale = scale + p1 * y + p2 * x
        offset = torch.stack((p2 * r2, p1 * r2), dim=-1)
    return scale.unsqueeze(-1), offset


def _distort(xy: torch.Tensor, k: Optional[torch.Tensor],
             p: Optional[torch.Tensor]) -> torch.Tensor:
    if k is None and p is None:
        return xy
    scale, offset = _distortion_terms(xy, k, p)
    return xy * scale + offset


def _undistort(xy_d: torch.Tensor, k: Optional[torch.Tensor],
               p: Optional[torch.Tensor], iters: int) -> torch.Tensor:
    if k is None and p is None:
        return xy_d
    xy = xy_d
    for _ in range(iters):  # fixed point of (xy_d - offset(xy)) / scale(xy)
        scale, offset = _distortion_terms(xy, k, p)
        xy = (xy_d - offset) / scale
    return xy


def project_to_pixels(x_cam, f, c, k=None, p=None):
    """x_cam: (..., 3) m -> uv (..., 2) px, Human3.6M distortion if k/p."""
    check_points(x_cam, 'x_cam', 3)
    (x, f, c, k, p), back = torchify(x_cam, f, c, k, p)
    f, c = _vec(f, 2, 'f'), _vec(c, 2, 'c')
    k, p = _vec(k, 3, 'k'), _vec(p, 2, 'p')
    z = x[..., 2:3]
    behind = int((z <= 0).sum())
    if behind:
        raise ValueError(f'project_to_pixels: {behind} of {z.numel()} points '
                         'are behind the camera (Z <= 0) and cannot be '
                         'projected')
    xy = _distort(x[..., :2] / z, k, p)
    return back(xy * f + c)


def undistort_normalized(xy_d, k=None, p=None, iters: int = 20):
    """xy_d: (..., 2) distorted normalised coords -> undistorted (..., 2).

    Inverts the distortion of ``project_to_pixels`` by fixed-point iteration.
    """
    check_points(xy_d, 'xy_d', 2)
    (xy_d, k, p), back = torchify(xy_d, k, p)
    k, p = _vec(k, 3, 'k'), _vec(p, 2, 'p')
    return back(_undistort(xy_d, k, p, iters))


def pixels_to_rays(uv, f, c, k=None, p=None):
    """uv: (..., 2) px -> unit ray directions (..., 3) in the camera frame."""
    check_points(uv, 'uv', 2)
    (uv, f, c, k, p), back = torchify(uv, f, c, k, p)
    f, c = _vec(f, 2, 'f'), _vec(c, 2, 'c')
    k, p = _vec(k, 3, 'k'), _vec(p, 2, 'p')
    xy = _undistort((uv - c) / f, k, p, iters=20)
    rays = torch.cat((xy, torch.ones_like(xy[..., :1])), dim=-1)
    return back(rays / torch.linalg.vector_norm(rays, dim=-1, keepdim=True))


def project_onto_rays(x_cam, rays):
    """x_cam, rays: (..., 3) -> closest points (..., 3) on the rays' lines.

    Rays pass through the camera centre: the result is ``(x . d) d`` for unit
    ``d`` (``(x . d) d / (d . d)`` in general), not clamped to ``x . d >= 0``.
    """
    check_points(x_cam, 'x_cam', 3)
    check_points(rays, 'rays', 3)
    (x, d), back = torchify(x_cam, rays)
    t = (x * d).sum(-1, keepdim=True) / (d * d).sum(-1, keepdim=True)
    return back(t * d)


def camera_from_pkl(cameras: Mapping, subject: str, camera_id: str) -> dict:
    """check_camera() of MMPose's ``cameras.pkl[(subject, camera_id)]``.

    The pkl's ``R`` is camera -> world (MMPose ``SimpleCamera``); it is
    transposed here into the world -> camera ``R`` of ``world_to_camera``.
    """
    key = (str(subject), str(camera_id))
    if key not in cameras:
        raise CameraParamError(f'no camera {key} in cameras.pkl; available '
                               f'keys: {sorted(cameras)}')
    cam = check_camera(cameras[key], need=('f', 'c', 'R', 'T'))
    R = cam['R']
    cam['R'] = np.ascontiguousarray(R.T) if isinstance(R, np.ndarray) else \
        R.T.contiguous()
    return cam
