"""Noisy 2D detection files made from an annotation's exact 2D.

Writes what ``PoseLiftH36MDataset(keypoint_2d_src='detection',
keypoint_2d_det_file=...)`` and ``tools/fit_gmm.py`` read: MMPose's
``joint_2d_det_files`` ``.npy``, one (N, K, 3) float32 array, px + score,
rows aligned with the annotation's rows (the layout in which the mocap
converter's ``DetectionNoise`` writes ``h36m_<split>_noisy.npy``). The
noise is :func:`~poselift_mm.datasets.noise2d.noisy_copy`, run along each
video's frames in frame order, so temporal models see the preset's AR(1)
correlation; each video's noise depends only on the seed and its name
(:func:`~poselift_mm.datasets.noise2d.keyed_rng`: adding or removing videos
changes no other video's noise).
"""
import os.path as osp
from typing import Mapping, Optional, Union

import numpy as np

from poselift_mm.utils.io import atomic_path
from .readers import (DataFileError, check_camera_table, load_pickle,
                      parse_h36m_imgnames, read_body3d_annotation)
from .noise2d import DetectorNoiseParams, keyed_rng, noisy_copy

__all__ = ['write_noisy_detections']


def _frame_numbers(imgnames: np.ndarray, path) -> np.ndarray:
    """``..._000123.jpg`` -> 123 per row; DataFileError on another ending."""
    stem = np.char.rpartition(imgnames, '_')[..., 2]
    digits = np.char.partition(stem, '.')[..., 0]
    ok = np.char.isdigit(digits)
    if not ok.all():
        i = int(np.argmin(ok))
        raise DataFileError(path, "'imgname'", 'names must end in '
                            f'_<frame>.jpg, e.g. row {i}: {imgnames[i]!r}')
    return digits.astype(np.int64)


def write_noisy_detections(annotation_npz: str,
                           out_npy: str,
                           preset: Union[str, DetectorNoiseParams,
                                         Mapping] = 'strong',
                           seed: int = 0,
                           camera_param_file: Optional[str] = None,
                           strength: float = 1.0,
                           num_keypoints: int = 17) -> dict:
    """Write ``out_npy`` (N, K, 3) float32: ``annotation_npz``'s ``part``
    2D with detector-like noise (``preset``, ``strength``) and scores.

    The annotation is read and checked as ``PoseLiftH36MDataset`` reads it
    (``read_body3d_annotation``: keys ``imgname``, ``center``, ``scale``,
    ``part``, ``S``; image names ``<subject>_<action>.<camera>_<frame>.jpg``);
    ``part[..., 2] <= 0`` keeps score 0. ``camera_param_file``: MMPose's
    ``cameras.pkl``; with it, detections are clipped to each camera's
    ``w`` x ``h``. The file is replaced atomically. Problems with the inputs
    raise ``DataFileError`` naming the file and key.

    Returns ``{'path', 'rows', 'videos', 'mean_px', 'median_px', 'p95_px',
    'score0_frac'}``: errors over the joints with score > 0, and the
    fraction of joints with score 0 (dropped, or invisible in ``part``).
    """
    ann = read_body3d_annotation(annotation_npz, num_keypoints)
    names, part = ann['imgname'], ann['part']
    subjects, actions, cams = parse_h36m_imgnames(names, annotation_npz)
    frames = _frame_numbers(names, annotation_npz)
    videos = np.char.add(np.char.add(np.char.add(subjects, '/'), actions),
                         np.char.add('/', cams))
    keys, inverse = np.unique(videos, return_inverse=True)
    sizes = None
    if camera_param_file:
        cameras = load_pickle(camera_param_file)
        pairs = [(k.split('/')[0], k.split('/')[2]) for k in keys]
        check_camera_table(cameras, pairs, camera_param_file,
                           need=('w', 'h'))
        sizes = [(float(cameras[p]['w']), float(cameras[p]['h']))
                 for p in pairs]
    order = np.lexsort((frames, inverse))
    starts = np.searchsorted(inverse[order], np.arange(len(keys)))
    ends = np.append(starts[1:], len(order))
    out = np.zeros(part.shape, np.float32)
    for v, key in enumerate(keys):
        rows = order[starts[v]:ends[v]]
        rng = keyed_rng(seed, key)
        out[rows, :, :2], out[rows, :, 2] = noisy_copy(
            part[rows, :, :2], None if sizes is None else sizes[v], preset,
            rng, visible=part[rows, :, 2], strength=strength)
    with atomic_path(out_npy) as tmp:
        with open(tmp, 'wb') as f:
            np.save(f, out)
    scored = out[..., 2] > 0
    err = np.linalg.norm(out[..., :2] - part[..., :2], axis=-1)[scored]
    stats = [float(np.mean(err)), float(np.median(err)),
             float(np.percentile(err, 95))] if err.size else [np.nan] * 3
    return dict(path=osp.abspath(out_npy), rows=len(names),
                videos=len(keys), mean_px=stats[0], median_px=stats[1],
                p95_px=stats[2],
                score0_frac=float(1.0 - scored.mean()) if scored.size
                else 0.0)
