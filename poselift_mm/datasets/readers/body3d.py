"""MMPose's own lifting files: the ``body3d`` annotation npz, 2D detection
.npy, ``cameras.pkl`` tables, and the frame windows of its datasets.

Also owns the DiffPose GMM check ``check_gmm``, which the other readers
share.
"""
from typing import List, Optional, Sequence, Tuple

import numpy as np

from poselift_mm.geometry import CameraParamError, check_camera
from poselift_mm.utils.datafile import (DataFileError, check_array,
                                        format_key, load_npy, load_npz,
                                        shape_str)

BODY3D_KEYS = ('imgname', 'center', 'scale', 'part', 'S')


def read_body3d_annotation(path, num_keypoints: int = 17) -> dict:
    """MMPose body3d npz (H36M or MPI-INF-3DHP layout) -> checked arrays.

    imgname (N,) str, center (N, 2), scale (N,), part (N, K, 3) px + vis,
    S (N, K, 4) camera-frame metres + vis, optional gmm (N, K, C, 5).
    """
    raw = load_npz(path, BODY3D_KEYS, optional=('gmm', ))
    names = np.asarray(raw['imgname'])
    if names.ndim != 1 or names.dtype.kind not in 'US':
        raise DataFileError(path, format_key('imgname'), 'expected a 1-D '
                            f'array of strings, got {names.dtype} shape '
                            f'{shape_str(names.shape)}')
    n, k = len(names), num_keypoints
    ann = dict(
        imgname=names.astype(str),
        center=check_array(raw['center'], path, format_key('center'), (n, 2)),
        scale=check_array(raw['scale'], path, format_key('scale'), (n, )),
        part=check_array(raw['part'], path, format_key('part'), (n, k, 3), 1),
        S=check_array(raw['S'], path, format_key('S'), (n, k, 4), 1))
    if 'gmm' in raw:
        ann['gmm'] = check_gmm(raw['gmm'], path, format_key('gmm'), n, k)
    return ann


def check_gmm(gmm, path, key: str, num_frames: Optional[int],
              num_keypoints: int) -> np.ndarray:
    """(T, K, C, 5) [pi, mu_u, mu_v, sigma_u, sigma_v] -> checked array."""
    g = check_array(gmm, path, key, (num_frames, num_keypoints, None, 5), 1)
    if g.shape[2] < 1:
        raise DataFileError(path, key, 'no mixture components (C = 0)')
    pi, sigma = g[..., 0], g[..., 3:]
    if (pi < 0).any() or (sigma < 0).any():
        raise DataFileError(path, key, 'negative mixture weight or sigma')
    err = np.abs(pi.sum(-1) - 1)
    if (err > 1e-3).any():
        first = tuple(int(i) for i in np.argwhere(err > 1e-3)[0])
        raise DataFileError(
            path, key, 'mixture weights (column 0) must sum to 1 over the '
            f'{g.shape[2]} components; frame/joint {first} sums to '
            f'{pi.sum(-1)[first]:.4f}')
    return g


def parse_h36m_imgnames(imgnames, path=None) -> Tuple[np.ndarray, ...]:
    """(N,) ``S1_Walking_1.54138969_000001.jpg``-like names (any folder
    prefix) -> subjects, actions, camera ids: three (N,) str arrays."""
    names = np.asarray(imgnames).astype(str)
    base = np.char.rpartition(names, '/')[..., 2]
    subj, sep1, rest = np.moveaxis(np.char.partition(base, '_'), -1, 0)
    action, sep2, rest = np.moveaxis(np.char.partition(rest, '.'), -1, 0)
    camera, sep3, _ = np.moveaxis(np.char.partition(rest, '_'), -1, 0)
    ok = (sep1 != '') & (sep2 != '') & (sep3 != '') & (subj != '') & \
        (action != '') & (camera != '')
    if not ok.all():
        i = int(np.argmin(ok))
        raise DataFileError(
            path, format_key('imgname'), f'{int((~ok).sum())} names do not '
            'look like <subject>_<action>.<camera>_<frame>.jpg, e.g. row '
            f'{i}: {names[i]!r}')
    return subj, action, camera


def mpi_inf_3dhp_sequence_keys(imgnames) -> np.ndarray:
    """MMPose 3DHP names ``S4_Seq2_Cam0_001033.jpg`` / ``TS1_002001.jpg``
    -> (N,) video keys ``S4_Seq2_Cam0`` / ``TS1`` (its cameras.pkl keys)."""
    names = np.asarray(imgnames).astype(str)
    base = np.char.rpartition(names, '/')[..., 2]
    return np.char.rpartition(base, '_')[..., 0]


def read_keypoint_detections(path, num_frames: int,
                             num_keypoints: int = 17) -> np.ndarray:
    """MMPose's 2D detection .npy -> (N, K, 3) float32 px + score."""
    det = load_npy(path)
    a = check_array(det, path, format_key('keypoints'),
                    (None, num_keypoints, 3), 1)
    if len(a) != num_frames:
        raise DataFileError(
            path, format_key('keypoints'), f'{len(a)} detection rows but the '
            f'annotation file has {num_frames} frames (row counts must '
            'match)')
    return a.astype(np.float32)


def check_camera_table(cameras, keys, path,
                       need: Sequence[str] = ('f', 'c', 'w', 'h')) -> None:
    """Every key of ``keys`` must have a camera with finite ``need`` fields."""
    if not isinstance(cameras, dict):
        raise DataFileError(path, None, 'expected a dict of cameras, got '
                            f'{type(cameras).__name__}')
    for key in keys:
        where = format_key(key)
        if key not in cameras:
            raise DataFileError(
                path, where, 'no camera for this key, which the '
                f'annotations use ({len(cameras)} cameras in the file, '
                f'e.g. {sorted(cameras, key=str)[:4]})')
        cam = cameras[key]
        if not isinstance(cam, dict):
            raise DataFileError(path, where, 'camera entry is a '
                                f'{type(cam).__name__}, not a dict')
        missing = [k for k in need if cam.get(k) is None]
        if missing:
            raise DataFileError(path, where, f'camera lacks {missing}; '
                                f'it has {sorted(cam)}')
        try:
            check_camera(cam, need=[k for k in need if k not in ('w', 'h')])
        except (CameraParamError, ValueError) as e:
            raise DataFileError(path, where, str(e)) from None
        for k in ('w', 'h'):
            if k in need and not (np.isfinite(float(cam[k]))
                                  and float(cam[k]) > 0):
                raise DataFileError(path, where, f'camera {k!r} must be > 0, '
                                    f'got {cam[k]!r}')


WINDOW_TAILS = ('drop', 'anchor')


def build_sequence_indices(keys, seq_len: int, seq_step: int = 1,
                           causal: bool = True, pad_video_seq: bool = False,
                           multiple_target: int = 0,
                           multiple_target_step: int = 0,
                           multiple_target_tail: str = 'drop'
                           ) -> List[List[int]]:
    """(N,) video keys -> frame index lists, as MMPose's
    ``Human36mDataset.get_sequence_indices`` builds them (videos in sorted
    key order; frames of a video in file order), without ``subset_frac``.

    ``multiple_target_tail`` (windows of ``multiple_target`` frames only):
    'drop' (MMPose) leaves out the frames after the last full window;
    'anchor' (DiffPose-video / MixSTE ``eval_data_prepare``) adds a last
    window that ends at the video's last frame (overlapping the one before
    it, whose shared frames are then scored twice) and pads a video shorter
    than a window with its last frame."""
    keys = np.asarray(keys)
    if seq_len < 1 or seq_step < 1:
        raise ValueError(f'seq_len ({seq_len}) and seq_step ({seq_step}) '
                         'must be >= 1')
    if multiple_target_tail not in WINDOW_TAILS:
        raise ValueError(f'multiple_target_tail must be one of '
                         f'{WINDOW_TAILS}, got {multiple_target_tail!r}')
    uniq, inverse = np.unique(keys, return_inverse=True)
    order = np.argsort(inverse, kind='stable')
    videos = np.split(order, np.cumsum(np.bincount(inverse))[:-1])
    if multiple_target > 0 and multiple_target_step == 0:
        multiple_target_step = multiple_target
    span = (seq_len - 1) * seq_step + 1
    out = []
    for idx in videos:
        n = len(idx)
        if multiple_target:
            count = max(0, (n + multiple_target_step - multiple_target) //
                        multiple_target_step)
            starts = np.arange(0, n, multiple_target_step)[:count]
            offsets = np.arange(0, multiple_target, seq_step)
            if multiple_target_tail == 'anchor' and (
                    not count or starts[-1] + multiple_target < n):
                starts = np.append(starts, max(n - multiple_target, 0))
            win = np.minimum(starts[:, None] + offsets[None], n - 1)
        elif pad_video_seq:
            left = seq_len - 1 if causal else (seq_len - 1) // 2
            right = 0 if causal else left
            win = np.arange(n)[:, None] + seq_step * np.arange(
                -left, right + 1)[None]
            win = np.clip(win, 0, n - 1)
        else:
            win = np.arange(max(0, n - span + 1))[:, None] + \
                np.arange(0, span, seq_step)[None]
        out.extend(idx[win].tolist())
    return out
