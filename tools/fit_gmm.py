"""Fit DiffPose's per-joint 2D error mixtures (``GMMPrior``) to detections.

Reads an MMPose Human3.6M annotation npz (``imgname``, ``part`` (N, 17, 3)
true 2D px + visibility) and a 2D detection file aligned row by row (MMPose's
``joint_2d_det_files`` ``.npy`` (N, 17, 3) px + score, or an ``.npz`` with
key ``part``). The residual ``detected - true`` is put in DiffPose's screen
units with each row's camera width (1 px = 2/w; camera parsed from the image
name as MMPose's ``Human36mDataset`` does, ``w`` from ``cameras.pkl``),
weighted by the true visibility, and fitted by EM per joint.

Writes OUT.npz (``GMMPrior.save``) and optionally, with ``--per-frame-out``,
the global mixture per frame in DiffPose's layout (N, 17, K, 5) ``[pi, mu_u,
mu_v, sigma_u, sigma_v]`` with mu in px, sigma in screen units (as the
original ``*_gmm.npz`` files): ``mu_k = detected - mean_k`` (where the true
position is given the detection), as
  rows        : ``gmm``, ``imgname``, ``row_index`` (into the annotation)
  videopose3d : ``positions_2d`` subject -> action -> 4 cameras (T, 17, K, 5)
                (DiffPose's files; needs every row, complete sequences).

Example (D = the output of tools/mocap_to_h36m.py):
  python tools/fit_gmm.py D/annotation_body3d/fps50/h36m_train.npz \\
      D/joint_2d_det_files/fps50/h36m_train_noisy.npy \\
      work_dirs/gmm/h36m_noisy_k3.npz --components 3 --max-rows 200000 \\
      --camera-param-file D/annotation_body3d/cameras.pkl
"""
import argparse
import sys

from poselift_mm.apis.fit_gmm import PER_FRAME_FORMATS, fit_gmm_files


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog='\n'.join(__doc__.splitlines()[2:]),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('ann_file', help='MMPose H36M annotation npz')
    p.add_argument('det_file', help='2D detections aligned with ann_file '
                   '(.npy (N, 17, 3) or .npz key part)')
    p.add_argument('out', help='output GMMPrior npz')
    p.add_argument('--camera-param-file', required=True,
                   help="MMPose's cameras.pkl (needs w, h per camera)")
    p.add_argument('--components', '-k', type=int, default=3,
                   help='mixture components K (default 3)')
    p.add_argument('--max-rows', type=int, default=None,
                   help='use this many rows, evenly spread over the file '
                   '(default all)')
    p.add_argument('--iters', type=int, default=100,
                   help='maximum EM iterations (default 100)')
    p.add_argument('--tol', type=float, default=1e-6,
                   help='EM stops when the mean log-likelihood of every '
                   'joint rises by less (default 1e-6)')
    p.add_argument('--min-sigma-px', type=float, default=0.05,
                   help='sigma floor in px at w = 1000 (default 0.05)')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--num-keypoints', type=int, default=17)
    p.add_argument('--per-frame-out', default=None,
                   help='also write the per-frame DiffPose layout here')
    p.add_argument('--per-frame-format', choices=PER_FRAME_FORMATS,
                   default='rows')
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    fit_gmm_files(args.ann_file, args.det_file, args.out,
                  args.camera_param_file, components=args.components,
                  max_rows=args.max_rows, iters=args.iters, tol=args.tol,
                  min_sigma_px=args.min_sigma_px, seed=args.seed,
                  num_keypoints=args.num_keypoints,
                  per_frame_out=args.per_frame_out,
                  per_frame_format=args.per_frame_format)
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main())
    except ValueError as e:  # bad input files: one clear line, no trace
        sys.exit(f'fit_gmm.py: error: {e}')
