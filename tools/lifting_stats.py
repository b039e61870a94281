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
import os.path as osp
import sys

from poselift_mm.apis.lifting_stats import (config_literal, lifting_stats,
                                            save_stats)


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
        print(config_literal(name, arr))
    if a.out:
        save_stats(a.out, stats)
    return 0


if __name__ == '__main__':
    sys.exit(main())
