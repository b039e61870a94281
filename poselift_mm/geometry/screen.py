"""Image coordinate frames of 2D keypoints: pixels, the screen units of
VideoPose3D / DiffPose (``u = 2x/w - 1``, ``v = 2y/w - h/w``, so
1 px = 2/w), and MMPose's top-down heatmaps. numpy or torch in, same out.
"""
import numpy as np
import torch

from .checks import as_float64

__all__ = ['pixels_to_screen', 'screen_to_pixels', 'default_pinhole',
           'pixels_to_camera', 'topdown_heatmap_affine']


def pixels_to_screen(xy_px, w, h):
    """(..., 2) px -> DiffPose/VideoPose3D screen units ``(2x/w - 1,
    2y/w - h/w)``; ``w``, ``h`` scalars or broadcastable to (...)."""
    x, y = xy_px[..., 0], xy_px[..., 1]
    u, v = 2 * x / w - 1, 2 * y / w - h / w
    return torch.stack([u, v], -1) if torch.is_tensor(xy_px) else \
        np.stack([u, v], -1)


def screen_to_pixels(uv, w, h):
    """Inverse of :func:`pixels_to_screen`: (..., 2) -> (..., 2) px."""
    u, v = uv[..., 0], uv[..., 1]
    x, y = (u + 1) * w / 2, (v + h / w) * w / 2
    return torch.stack([x, y], -1) if torch.is_tensor(uv) else \
        np.stack([x, y], -1)


def default_pinhole(w, h, focal=None):
    """``(f (2,), c (2,))`` px of the pinhole assumed when a camera's
    intrinsics are unknown: f = ``focal`` or the image diagonal (about 53
    deg of diagonal view), c = the image centre."""
    f = float(focal) if focal else float(np.hypot(w, h))
    return np.array([f, f]), np.array([w / 2., h / 2.])


def pixels_to_camera(xy_px, f, c):
    """(..., 2) px -> normalised image-plane coordinates ``(x - c) / f``
    (the ray's slope, Hartley & Zisserman, Multiple View Geometry, 2nd ed.,
    Sec. 6.1: independent of the intrinsics); ``f``, ``c`` (2,) px."""
    f = np.asarray(f, np.float64).reshape(2)
    c = np.asarray(c, np.float64).reshape(2)
    if torch.is_tensor(xy_px):
        return (xy_px - xy_px.new_tensor(c)) / xy_px.new_tensor(f)
    return (np.asarray(xy_px) - c) / f


def topdown_heatmap_affine(bbox_centers, bbox_scales, heatmap_size,
                           udp: bool = False) -> torch.Tensor:
    """MMPose top-down heatmap px -> image px as (N, 2, 3) affines.

    MMPose 1.x decodes heatmap coordinates ``p`` to the input image
    (MSRA: ``p * input / heatmap``; UDP: ``p * input / (heatmap - 1)``) and
    ``TopdownPoseEstimator`` maps them to the image with
    ``q / input * bbox_scale + bbox_center - bbox_scale / 2``; the input size
    cancels. ``bbox_centers`` / ``bbox_scales`` (N, 2) px, ``heatmap_size``
    (W, H).
    """
    c = as_float64(bbox_centers)
    s = as_float64(bbox_scales)
    if c.ndim != 2 or c.shape[1] != 2 or s.shape != c.shape:
        raise ValueError('topdown_heatmap_affine: bbox_centers and '
                         'bbox_scales must be (N, 2), got '
                         f'{tuple(c.shape)} and {tuple(s.shape)}')
    hw = as_float64(heatmap_size)
    per_px = s / (hw - 1 if udp else hw)
    aff = c.new_zeros(len(c), 2, 3)
    aff[:, 0, 0], aff[:, 1, 1] = per_px[:, 0], per_px[:, 1]
    aff[:, :, 2] = c - s / 2
    return aff
