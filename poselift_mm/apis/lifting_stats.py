"""Normalisation statistics for MMPose's ``ImagePoseLifting`` codec, as
MMPose's SimpleBaseline3D config embeds them (the files
``joint3d_rel_stats.pkl`` / ``joint2d_stats.pkl`` of its preprocessed
Human3.6M), computed from any Human3.6M-format annotation file
(``tools/lifting_stats.py``)."""
import os
import os.path as osp

import numpy as np

__all__ = ['lifting_stats', 'config_literal', 'save_stats']


def lifting_stats(ann_path: str, root_index: int = 0,
                  sample_stride: int = 1) -> dict:
    """Mean/std of root-relative 3D (root removed, metres) and 2D (pixels).

    Reads the ``S`` (N, K, 4) camera-frame joints in metres and ``part``
    (N, K, 3) pixels of a Human3.6M-format ``.npz`` (MMPose's layout).
    """
    if not osp.isfile(ann_path):
        raise FileNotFoundError(f'annotation file not found: {ann_path}')
    with np.load(ann_path) as data:
        for key in ('S', 'part'):
            if key not in data:
                raise KeyError(f"{ann_path} has no '{key}' array "
                               f'(keys: {sorted(data.files)})')
        joints = np.asarray(data['S'][::sample_stride, :, :3], np.float64)
        kpts = np.asarray(data['part'][::sample_stride, :, :2], np.float64)
    if joints.shape[0] == 0:
        raise ValueError(f'{ann_path}: no rows after sample_stride '
                         f'{sample_stride}')
    if not (np.isfinite(joints).all() and np.isfinite(kpts).all()):
        raise ValueError(f'{ann_path}: non-finite values in S or part')
    rel = joints - joints[:, root_index:root_index + 1]
    rel = np.delete(rel, root_index, axis=1)
    return dict(target_mean=rel.mean(0), target_std=rel.std(0),
                keypoints_mean=kpts.mean(0), keypoints_std=kpts.std(0),
                num_rows=joints.shape[0])


def config_literal(name: str, arr: np.ndarray) -> str:
    """``name = [[v, ...], ...]``: a 2D array as a config line."""
    rows = ', '.join('[' + ', '.join(f'{v:.6g}' for v in r) + ']'
                     for r in arr)
    return f'{name} = [{rows}]'


def save_stats(path: str, stats: dict) -> None:
    """The arrays to ``path`` (.npz), written beside it and renamed."""
    tmp = path + '.tmp.npz'
    np.savez(tmp, **stats)
    os.replace(tmp, path)
