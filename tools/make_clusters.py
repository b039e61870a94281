"""K-means clusters of training poses: ZeDO's initial poses (K=1: the mean).

    python tools/make_clusters.py ANN_NPZ [ANN_NPZ ...] --k 50 --out clusters.npz

Reads MMPose Human3.6M-format annotation files (``S``: camera-frame metres),
makes the poses root-relative and writes ``clusters`` (K, 17, 3) metres,
``counts`` (K,) and ``inertia_m2`` atomically.
"""
import argparse
import os.path as osp
import sys

import numpy as np  # noqa: E402

from poselift_mm.datasets.clusters import kmeans  # noqa: E402
from poselift_mm.datasets.readers import read_body3d_annotation  # noqa: E402
from poselift_mm.geometry import root_relative  # noqa: E402
from poselift_mm.utils.io import save_npz_atomic  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('ann_files', nargs='+',
                        help='Human3.6M-format annotation npz files')
    parser.add_argument('--k', type=int, default=50)
    parser.add_argument('--out', required=True, help='output .npz')
    parser.add_argument('--root-index', type=int, default=0)
    parser.add_argument('--max-poses', type=int, default=200000,
                        help='random subset for speed (0: all)')
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args(argv)
    poses = []
    for path in args.ann_files:
        try:
            ann = read_body3d_annotation(path)
        except ValueError as err:
            parser.exit(2, f'error: {err}\n')
        poses.append(root_relative(ann['S'][..., :3].astype(np.float64),
                                   args.root_index))
    poses = np.concatenate(poses)
    rng = np.random.default_rng(args.seed)
    if args.max_poses and len(poses) > args.max_poses:
        poses = poses[rng.choice(len(poses), args.max_poses, replace=False)]
    shape = poses.shape[1:]
    try:
        centres, labels, inertia = kmeans(
            poses.reshape(len(poses), -1), args.k, seed=args.seed)
    except ValueError as err:
        parser.exit(2, f'error: {err}\n')
    save_npz_atomic(args.out, clusters=centres.reshape((-1, ) + shape),
                    counts=np.bincount(labels, minlength=args.k),
                    inertia_m2=inertia)
    print(f'{args.k} clusters of {len(poses)} poses -> {args.out} '
          f'(RMS 51-D distance to the centre {np.sqrt(inertia / len(poses)):.3f} m)')


if __name__ == '__main__':
    main()
