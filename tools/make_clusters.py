"""K-means clusters of training poses: ZeDO's initial poses (K=1: the mean).

    python tools/make_clusters.py ANN_NPZ [ANN_NPZ ...] --k 50 --out clusters.npz
    # ZeDO's protocol: one S-means clustering per number of hypotheses S,
    # in its file layout (clusters/h36m_cluster{S}.npy)
    python tools/make_clusters.py ANN_NPZ --k 1 5 10 50 \
        --out clusters/h36m_cluster{k}.npy

Reads MMPose Human3.6M-format annotation files (``S``: camera-frame metres),
makes the poses root-relative and writes, atomically, ``.npz``: ``clusters``
(K, 17, 3) metres, ``counts`` (K,) and ``inertia_m2``; ``.npy``: ZeDO's
(K, 17, 3) float32 array, most populated first.
"""
import argparse

from poselift_mm.datasets.clusters import make_cluster_files


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('ann_files', nargs='+',
                        help='Human3.6M-format annotation npz files')
    parser.add_argument('--k', type=int, nargs='+', default=[50],
                        help='clusters per file; several: one file each '
                        '(put {k} in --out)')
    parser.add_argument('--out', required=True,
                        help='output .npz, or .npy for ZeDO\'s layout')
    parser.add_argument('--root-index', type=int, default=0)
    parser.add_argument('--max-poses', type=int, default=200000,
                        help='random subset for speed (0: all)')
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args(argv)
    try:
        infos = make_cluster_files(args.ann_files, args.k, args.out,
                                   args.root_index, args.max_poses, args.seed)
    except ValueError as err:
        parser.exit(2, f'error: {err}\n')
    for info in infos:
        print(f'{info["k"]} clusters of {info["num_poses"]} poses -> '
              f'{info["out"]} (RMS 51-D distance to the centre '
              f'{info["rms_m"]:.3f} m)')


if __name__ == '__main__':
    main()
