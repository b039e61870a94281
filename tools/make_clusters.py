"""K-means clusters of training poses: ZeDO's initial poses (K=1: the mean).

    python tools/make_clusters.py ANN_NPZ [ANN_NPZ ...] --k 50 --out clusters.npz

Reads MMPose Human3.6M-format annotation files (``S``: camera-frame metres),
makes the poses root-relative and writes ``clusters`` (K, 17, 3) metres,
``counts`` (K,) and ``inertia_m2`` atomically.
"""
import argparse

from poselift_mm.datasets.clusters import make_clusters


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
    try:
        info = make_clusters(args.ann_files, args.k, args.out,
                             args.root_index, args.max_poses, args.seed)
    except ValueError as err:
        parser.exit(2, f'error: {err}\n')
    print(f'{args.k} clusters of {info["num_poses"]} poses -> {args.out} '
          f'(RMS 51-D distance to the centre {info["rms_m"]:.3f} m)')


if __name__ == '__main__':
    main()
