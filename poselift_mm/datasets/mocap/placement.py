"""Placing a z-up motion in the Human3.6M world.

Owns levelling (the floor plane fitted to the feet, with a prior from the
body's vertical), the floor at z = 0, the floor area every chosen camera sees
(``capture_centre``) and the yaw that keeps the body inside the images
(``place_sequence``).
"""
from typing import Optional, Sequence, Tuple

import numpy as np

from poselift_mm.geometry import (axis_angle_to_matrix, project_to_pixels,
                                  world_to_camera)
from .sequence import MocapSequence


def rotation_between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Smallest rotation (3, 3) taking unit vector a onto unit vector b."""
    axis = np.cross(a, b)
    s, c = np.linalg.norm(axis), float(np.dot(a, b))
    if s < 1e-12:
        if c > 0:
            return np.eye(3)
        perp = np.cross(a, [1.0, 0, 0] if abs(a[0]) < 0.9 else [0, 1.0, 0])
        return axis_angle_to_matrix(np.pi * perp / np.linalg.norm(perp))
    return axis_angle_to_matrix(axis / s * np.arctan2(s, c))


def body_vertical(joints: np.ndarray, near: Optional[np.ndarray] = None,
                  max_angle_deg: float = 35.0, min_frames: int = 25
                  ) -> Optional[np.ndarray]:
    """(T, 17, 3) -> mean unit (head - mid ankles) over standing frames, or
    None if fewer than ``min_frames``.

    Standing: both legs straight (hip-ankle > 97% of thigh + shank) and the
    body stretched (head-ankles > 92% of legs + trunk chain); with ``near``
    (3,), only frames within ``max_angle_deg`` of it (drops lying frames).
    """
    def seg(a, b):
        return np.linalg.norm(joints[:, a] - joints[:, b], axis=-1)

    leg = np.median(seg(1, 2) + seg(2, 3) + seg(4, 5) + seg(5, 6)) / 2
    trunk = np.median(seg(0, 7) + seg(7, 8) + seg(8, 9) + seg(9, 10))
    up = joints[:, 10] - (joints[:, 3] + joints[:, 6]) / 2
    stretch = np.linalg.norm(up, axis=-1)
    unit = up / np.maximum(stretch, 1e-12)[:, None]
    standing = (seg(1, 3) > 0.97 * leg) & (seg(4, 6) > 0.97 * leg) & (
        stretch > 0.92 * (leg + trunk))
    if near is not None:
        standing &= unit @ near > np.cos(np.deg2rad(max_angle_deg))
    if standing.sum() < min_frames:
        return None
    v = unit[standing].mean(0)
    return v / np.linalg.norm(v)


def _floor_slope(lowest: np.ndarray, slope0: np.ndarray,
                 slope_sigma: float) -> Tuple[np.ndarray, dict]:
    """Fit z = a x + b y + c to the lower envelope of ``lowest`` (T, 3).

    MAP estimate of (a, b) with a Gaussian prior N(slope0, slope_sigma^2)
    and Gaussian floor noise whose sigma is re-estimated from the envelope's
    residuals. Returns (a, b) and fit details.
    """
    keep = np.ones(len(lowest), bool)
    noise = 0.01
    for _ in range(6):
        pts = lowest[keep]
        mean = pts.mean(0)
        d = pts - mean
        cov = d[:, :2].T @ d[:, :2] / len(d)
        rhs = d[:, :2].T @ d[:, 2] / len(d)
        ridge = (noise / slope_sigma)**2
        slope = np.linalg.solve(cov + ridge * np.eye(2),
                                rhs + ridge * slope0)
        resid = lowest[:, 2] - mean[2] - (lowest[:, :2] - mean[:2]) @ slope
        keep = resid <= np.median(resid)
        noise = max(float(resid[keep].std()) * 2, 1e-3)
    return slope, dict(contact_spread_m=np.sqrt(
        np.linalg.eigvalsh(cov)).tolist(), floor_noise_m=noise)


def estimate_up(joints: np.ndarray, feet: np.ndarray,
                slope_sigma: float = 0.3,
                body_slope_sigma: float = 0.05) -> Tuple[np.ndarray, dict]:
    """Unit up vector (3,) of a roughly z-up sequence, and fit details.

    Fits the floor plane z = a x + b y + c to the lower envelope of the
    per-frame lowest foot point (``_floor_slope``), with a prior on the
    slope: +z with sigma ``slope_sigma`` first, then, if there are standing
    frames near that estimate, the body's vertical on them
    (``body_vertical``) with sigma ``body_slope_sigma``. The floor alone
    cannot tell the tilt along a direction in which the feet hardly move.
    """
    lowest = feet[np.arange(len(feet)), feet[..., 2].argmin(1)]
    slope, fit = _floor_slope(lowest, np.zeros(2), slope_sigma)
    up = np.array([-slope[0], -slope[1], 1.0])
    prior = body_vertical(joints, near=up / np.linalg.norm(up))
    if prior is not None and prior[2] > 0.5:
        slope, fit = _floor_slope(lowest, -prior[:2] / prior[2],
                                  body_slope_sigma)
        up = np.array([-slope[0], -slope[1], 1.0])
    up /= np.linalg.norm(up)
    tilt = np.degrees(np.arccos(np.clip(up[2], -1, 1)))
    return up, dict(tilt_deg=float(tilt), body_prior=prior is not None,
                    **fit)


def capture_centre(cameras: Sequence[dict], margin_px: float = 0.0,
                   heights_m=(0.0, 0.9, 1.8), half_size_m: float = 6.0,
                   step_m: float = 0.1) -> Tuple[np.ndarray, float]:
    """Centroid (2,) m of the floor area whose points at ``heights_m`` every
    camera sees, and that area in m^2."""
    axis = np.arange(-half_size_m, half_size_m + 1e-9, step_m)
    grid = np.stack(np.meshgrid(axis, axis, indexing='ij'), -1).reshape(-1, 2)
    ok = np.ones(len(grid), bool)
    for z in heights_m:
        pts = np.concatenate([grid, np.full((len(grid), 1), z)], 1)
        ok &= _visible(pts[:, None], cameras, margin_px)
    if not ok.any():
        raise ValueError('no floor point is seen by all the chosen cameras')
    return grid[ok].mean(0), float(ok.sum() * step_m**2)


def _visible(world: np.ndarray, cameras: Sequence[dict],
             margin_px: float) -> np.ndarray:
    """(T, K, 3) world -> (T,) bool: every joint in front of (z > 0.1 m) and
    inside the image of every camera."""
    ok = np.ones(world.shape[0], bool)
    for cam in cameras:
        x = world_to_camera(world, cam['R'], cam['T'])
        front = x[..., 2] > 0.1
        x = np.where(front[..., None], x, [0.0, 0.0, 1.0])
        uv = project_to_pixels(x, cam['f'], cam['c'], cam.get('k'),
                               cam.get('p'))
        inside = (uv[..., 0] >= margin_px) & (
            uv[..., 0] <= cam['w'] - margin_px) & (uv[..., 1] >= margin_px) & (
                uv[..., 1] <= cam['h'] - margin_px)
        ok &= (front & inside).all(-1)
    return ok


def place_sequence(seq: MocapSequence, cameras: Sequence[dict],
                   rng: np.random.Generator, margin_px: float = 10.0,
                   yaw_deg: Optional[float] = None,
                   centre: Optional[np.ndarray] = None,
                   probe_frames: int = 500) -> Tuple[np.ndarray, dict]:
    """Place ``seq`` in the Human3.6M world -> (T, 17, 3) m and details.

    Levelled (if ``seq.level``), lowest foot point (or joint) of the
    sequence at z = 0, turned about z (``yaw_deg``, or the first of 12 yaws
    30 deg apart from a random start that keeps every joint inside every
    image on ``probe_frames`` evenly spread frames), its horizontal bounding
    box centred on ``centre`` (default ``capture_centre(cameras)``).
    """
    joints, feet = seq.joints, seq.feet
    info = {}
    if seq.level:
        up, info['level'] = estimate_up(joints, feet)
        rot = rotation_between(up, np.array([0.0, 0.0, 1.0]))
        joints, feet = joints @ rot.T, feet @ rot.T
    # the lowest foot point (or joint: hands when sitting on the floor) of
    # the whole sequence touches z = 0
    floor = min(feet[..., 2].min(), joints[..., 2].min())
    joints = joints - [0.0, 0.0, floor]
    if centre is None:
        centre, _ = capture_centre(cameras)
    start = rng.uniform(0, 360) if yaw_deg is None else yaw_deg
    yaws = [start] if yaw_deg is not None else start + 30.0 * np.arange(12)
    probe = joints[np.unique(
        np.linspace(0, len(joints) - 1, probe_frames).round().astype(int))]
    frac, yaw, rot = _best_yaw(probe, yaws, cameras, centre, margin_px)
    world = joints @ rot.T
    lo, hi = world[..., :2].min((0, 1)), world[..., :2].max((0, 1))
    world = world + np.append(centre - (lo + hi) / 2, 0.0)
    info.update(yaw_deg=float(yaw % 360), floor_shift_m=float(-floor),
                probe_visible_frac=float(frac))
    return world, info


def _best_yaw(probe: np.ndarray, yaws, cameras: Sequence[dict],
              centre: np.ndarray, margin_px: float) -> tuple:
    """The first of ``yaws`` (deg) that keeps every joint of ``probe``
    (T, 17, 3), turned about z and centred on ``centre`` (2,), inside every
    image on every frame, else the one that does so on most frames ->
    (that fraction of frames, yaw, rotation (3, 3))."""
    best = None
    for yaw in yaws:
        rot = axis_angle_to_matrix(np.array([0.0, 0.0, np.deg2rad(yaw)]))
        turned = probe @ rot.T
        lo, hi = turned[..., :2].min((0, 1)), turned[..., :2].max((0, 1))
        frac = _visible(turned + np.append(centre - (lo + hi) / 2, 0.0),
                        cameras, margin_px).mean()
        if best is None or frac > best[0]:
            best = (frac, yaw, rot)
        if frac == 1.0:
            break
    return best
