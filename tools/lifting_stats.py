"""Normalisation statistics for MMPose's ``ImagePoseLifting`` codec.

MMPose's SimpleBaseline3D config embeds the mean and std of the training
set's root-relative 3D joints (root removed) and of its 2D keypoints in
pixels, read from ``joint3d_rel_stats.pkl`` / ``joint2d_stats.pkl``. Those
files come with MMPose's preprocessed Human3.6M; for any other
Human3.6M-format set this tool computes the same four arrays from its
training annotation file and prints them as config literals (``--out``
also writes them to a ``.npz``).

    python tools/lifting_stats.py data/h36m_mocap \\
        --ann-file annotation_body3d/fps50/h36m_train.npz --sample-stride 5
"""
import argparse
import os
import os.path as osp
import sys

import numpy as np


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


def _literal(name: str, arr: np.ndarray) -> str:
    rows = ', '.join('[' + ', '.join(f'{v:.6g}' for v in r) + ']'
                     for r in arr)
    return f'{name} = [{rows}]'


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('data_root')
    p.add_argument('--ann-file',
                   default='annotation_body3d/fps50/h36m_train.npz')
    p.add_argument('--sample-stride', type=int, default=1)
    p.add_argument('--root-index', type=int, default=0)
    p.add_argument('--out', help='also save the arrays to this .npz')
    a = p.parse_args(argv)
    stats = lifting_stats(osp.join(a.data_root, a.ann_file), a.root_index,
                          a.sample_stride)
    print(f'# {stats.pop("num_rows")} rows of {a.ann_file} '
          f'(sample_stride {a.sample_stride})')
    for name, arr in stats.items():
        print(_literal(name, arr))
    if a.out:
        tmp = a.out + '.tmp.npz'
        np.savez(tmp, **stats)
        os.replace(tmp, a.out)
    return 0


if __name__ == '__main__':
    sys.exit(main())
