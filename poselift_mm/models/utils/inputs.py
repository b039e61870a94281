"""What every lifter and head reads from MMPose's packed batches: the 2D
keypoints (``PackPoseInputs``' (B, K*2, T) layout), the 2D confidences
(``gt_instances.keypoints_visible``), the 3D targets (the codec's
``lifting_target_label``) and the cameras (``metainfo['camera_param']``).
Per-sample loops here walk metadata, never the maths."""
import warnings
from typing import Optional, Tuple

import numpy as np
import torch

from poselift_mm.geometry.screen import default_pinhole

__all__ = ['unpack_keypoints', 'read_scores', 'read_targets',
           'read_cameras', 'read_image_sizes', 'read_gmm']


def unpack_keypoints(inputs, num_joints: int, who: str) -> torch.Tensor:
    """(B, K*2, T) (or already (B, T, K, 2)) -> (B, T, K, 2) float, with
    ``ValueError``s naming ``who`` for a wrong joint count and the batch
    samples holding NaN/inf."""
    if inputs.dim() == 4:
        x = inputs
    else:
        if inputs.dim() != 3 or inputs.shape[1] != num_joints * 2:
            raise ValueError(
                f'{who}: expected {num_joints} 2D keypoints (input (B, '
                f'{num_joints * 2}, T)), got input shape '
                f'{tuple(inputs.shape)}')
        b = inputs.shape[0]
        x = inputs.reshape(b, num_joints, 2, -1).permute(0, 3, 1, 2)
    if x.shape[-2:] != (num_joints, 2):
        raise ValueError(f'{who}: 2D keypoints must be (..., {num_joints}, '
                         f'2), got {tuple(x.shape)}')
    bad = ~torch.isfinite(x).reshape(x.shape[0], -1).all(1)
    if bad.any():
        raise ValueError(f'{who}: NaN/inf 2D keypoints in batch samples '
                         f'{bad.nonzero().flatten().tolist()}')
    return x.float()


def read_scores(data_samples, shape) -> torch.Tensor:
    """(B, T, K) confidences of the last T frames of each sample's
    ``keypoints_visible``; ones where a sample has none."""
    b, t, k = shape[:3]
    out = torch.ones(b, t, k)
    for i, ds in enumerate(data_samples):
        gi = ds.get('gt_instances')
        vis = None if gi is None else gi.get('keypoints_visible')
        if vis is not None:
            out[i] = torch.as_tensor(np.asarray(vis),
                                     dtype=torch.float32).reshape(-1, k)[-t:]
    return out


def read_targets(data_samples, num_frames: Optional[int], num_joints: int,
                 root_index: int = 0) -> torch.Tensor:
    """Root-relative 3D targets (B, T, K, 3) metres: the codec's
    ``lifting_target_label`` (else ``gt_instances.lifting_target``) with
    the root subtracted; a window with one target (its last frame) repeats
    it over the T frames (``num_frames`` None: as many as each sample
    has)."""
    t, k, r = num_frames, num_joints, root_index
    out = []
    for ds in data_samples:
        labels = ds.get('gt_instance_labels')
        y = labels.lifting_target_label if labels is not None and \
            'lifting_target_label' in labels else \
            ds.gt_instances.lifting_target
        y = torch.as_tensor(np.asarray(y), dtype=torch.float32).reshape(
            -1, k, 3)
        y = y - y[:, r:r + 1]
        if t is not None and len(y) != t:
            if len(y) != 1:
                raise ValueError(f'{len(y)} 3D targets for {t} frames')
            y = y.expand(t, k, 3)
        out.append(y)
    return torch.stack(out)


def _intrinsics(cam: dict, i: int, default_focal: Optional[float],
                shape) -> Tuple[np.ndarray, np.ndarray, bool]:
    """One sample's ``f``, ``c`` (2,) px and whether the pinhole default
    (f = ``default_focal`` or the image diagonal, c = image centre) was
    used."""
    if 'f' in cam and 'c' in cam:
        f = np.asarray(cam['f'], np.float32).reshape(-1)
        c = np.asarray(cam['c'], np.float32).reshape(-1)
        return (np.repeat(f, 2) if f.size == 1 else f), c, False
    w, h = cam.get('w'), cam.get('h')
    if (w is None or h is None) and shape is not None:
        h, w = shape[:2]
    if w is None or h is None:
        raise ValueError(
            f'data sample {i} has no camera intrinsics (camera_param '
            "'f', 'c') and no image size (camera_param 'w', 'h' or "
            "ori_shape): the camera is needed to find the 2D keypoints' "
            'rays')
    f, c = default_pinhole(w, h, default_focal)
    return f.astype(np.float32), c.astype(np.float32), True


def read_cameras(data_samples, device, default_focal: Optional[float] = None,
                 use_distortion: bool = True, warn: bool = True):
    """Per-sample pinhole (+ distortion) from ``camera_param``.

    Returns ``f`` (B, 2), ``c`` (B, 2) px, ``k`` (B, 3) | None, ``p``
    (B, 2) | None (None when ``use_distortion`` is off or every sample is
    undistorted) and whether any sample used the pinhole default
    (warned once per call when ``warn``).
    """
    fs, cs, ks, ps, defaulted = [], [], [], [], None
    for i, ds in enumerate(data_samples):
        cam = ds.metainfo.get('camera_param') or {}
        f, c, dflt = _intrinsics(cam, i, default_focal,
                                 ds.metainfo.get('ori_shape'))
        if dflt and defaulted is None:
            defaulted = float(f[0])
        if f.size != 2 or c.size != 2 or not np.isfinite(
                np.r_[f, c]).all() or (f <= 0).any():
            raise ValueError(f'data sample {i}: bad intrinsics f={f}, c={c}')
        fs.append(f)
        cs.append(c)
        ks.append(np.asarray(cam.get('k', np.zeros(3)),
                             np.float32).reshape(-1)[:3])
        ps.append(np.asarray(cam.get('p', np.zeros(2)),
                             np.float32).reshape(-1)[:2])
    if defaulted is not None and warn:
        warnings.warn(
            f'no camera intrinsics, using a pinhole with f={defaulted:.0f} '
            'px (image diagonal unless test_cfg.default_focal is set) and '
            'the image centre', stacklevel=3)
    to = lambda v: torch.from_numpy(np.stack(v)).to(device)  # noqa: E731
    f, c, k, p = to(fs), to(cs), to(ks), to(ps)
    if not use_distortion or (not k.any() and not p.any()):
        k = p = None
    return f, c, k, p, defaulted is not None


def read_image_sizes(data_samples, device=None) -> torch.Tensor:
    """(B, 2) image ``w``, ``h`` px of each sample (``camera_param`` 'w',
    'h', else ``ori_shape``): what the screen normalisation divided by."""
    out = []
    for i, ds in enumerate(data_samples):
        cam = ds.metainfo.get('camera_param') or {}
        w, h = cam.get('w'), cam.get('h')
        if (w is None or h is None) and ds.metainfo.get('ori_shape'):
            h, w = ds.metainfo['ori_shape'][:2]
        if w is None or h is None:
            raise ValueError(f'data sample {i} has no image size '
                             "(camera_param 'w', 'h' or ori_shape)")
        out.append((float(np.asarray(w).reshape(-1)[0]),
                    float(np.asarray(h).reshape(-1)[0])))
    return torch.tensor(out, device=device)


def read_gmm(data_samples, num_frames: int, num_joints: int):
    """(B, T, K, C, 5) per-frame 2D error mixtures ``keypoints_gmm`` of
    every sample (screen units, from ``ScreenPoseLifting``), the last T
    frames of each; None unless every sample has them."""
    out = []
    for ds in data_samples:
        gi = ds.get('gt_instances')
        g = None if gi is None else gi.get('keypoints_gmm')
        if g is None:
            return None
        g = torch.as_tensor(np.asarray(g), dtype=torch.float32)
        out.append(g.reshape(-1, num_joints, *g.shape[-2:])[-num_frames:])
    return torch.stack(out)
