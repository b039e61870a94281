"""Turn motion capture into MMPose Human3.6M-format 2D/3D training files.

Each sequence is forward-kinematics'd to the 17 MMPose ``h36m`` joints,
placed in the Human3.6M world (levelled, feet on the floor z = 0, centred in
the area all chosen cameras see) and projected through REAL Human3.6M cameras
with lens distortion. Writes, under OUT_DIR:

  annotation_body3d/fps<N>/h36m_<split>.npz  imgname, center, scale, part, S
  annotation_body3d/cameras.pkl              the real cameras used
  joint_2d_det_files/fps<N>/h36m_<split>_noisy.npy  (N, 17, 3) 2D + score

Examples:
  python tools/mocap_to_h36m.py /tmp/h36m_mocap \\
      --expmap ../shared/data/h36m_mocap/h36m_expmap_50hz_train.npz \\
      --skeleton ../shared/data/h36m_mocap/skeleton_h36m32.json \\
      --cameras ../shared/data/mmpose_samples/h36m/cameras.pkl
  python tools/mocap_to_h36m.py /tmp/cmu_h36m \\
      --bvh ../shared/data/cmu_bvh/*.bvh --camera-subject S1 \\
      --cameras ../shared/data/mmpose_samples/h36m/cameras.pkl
"""
import argparse
import logging
import sys

from poselift_mm.datasets.mocap import (BVH_UNITS_M, H36M_ACTIONS,
                                        H36M_CAMERA_IDS, convert_mocap_files)


def _split_arg(text: str):
    name, sep, subjects = text.partition('=')
    subs = [s for s in subjects.split(',') if s]
    if not sep or not name or not subs:
        raise argparse.ArgumentTypeError(
            f'expected NAME=SUBJ[,SUBJ...], got {text!r}')
    return name, subs


def _unit_arg(text: str):
    if text == 'auto' or text in BVH_UNITS_M:
        return text
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected 'auto', one of {sorted(BVH_UNITS_M)} or metres per "
            f'unit, got {text!r}') from None


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog='\n'.join(__doc__.splitlines()[2:]),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('out_dir', help='output folder (the data_root of an '
                   'MMPose Human36mDataset config)')
    src = p.add_argument_group('input (one of --expmap or --bvh)')
    src.add_argument('--expmap', metavar='NPZ',
                     help='Human3.6M exp-map npz (key S1/walking_1 -> '
                     '(T, 99), 50 Hz; Martinez et al. 2017 layout)')
    src.add_argument('--skeleton', metavar='JSON',
                     help='skeleton_h36m32.json for --expmap')
    src.add_argument('--bvh', nargs='+', metavar='FILE',
                     help='BVH files (CMU skeleton); subject CMU<a>, action '
                     'Trial_<b> from a file named <a>_<b>.bvh')
    src.add_argument('--bvh-unit', type=_unit_arg, default='auto',
                     help='metres per BVH unit, or one of '
                     f'{sorted(BVH_UNITS_M)}, or auto (closest to a 1.7 m '
                     'stature; default)')
    sel = p.add_argument_group('selection')
    sel.add_argument('--subjects', nargs='+', metavar='S',
                     help='expmap subjects to convert (default: all)')
    sel.add_argument('--actions', nargs='+', metavar='A',
                     help='expmap actions, npz spelling: '
                     + ' '.join(sorted(H36M_ACTIONS)))
    sel.add_argument('--keep-duplicates', action='store_true',
                     help='keep exact duplicate sequences (dropped by '
                     'default: S6/posing = S5/posing, S8/smoking = S5/smoking)'
                     )
    sel.add_argument('--split', action='append', type=_split_arg,
                     metavar='NAME=S1,S5',
                     help='repeatable; default for --expmap: train=S1,S5,S6,'
                     'S7 and val=S8; for --bvh: every file in train')
    sel.add_argument('--max-frames', type=int, metavar='N',
                     help='at most N output frames per sequence')
    cam = p.add_argument_group('cameras and placement')
    cam.add_argument('--cameras', required=True, metavar='PKL',
                     help="MMPose's cameras.pkl with the real H36M cameras")
    cam.add_argument('--camera-subject', metavar='S',
                     help="use this subject's real cameras for every "
                     "sequence (default: each sequence's own subject; "
                     'required for --bvh)')
    cam.add_argument('--camera-ids', nargs='+', default=list(H36M_CAMERA_IDS),
                     metavar='ID', help='cameras to include (default: all 4)')
    cam.add_argument('--fps', type=float, default=50.0,
                     help='output frame rate (default 50; the expmap data '
                     'is 50 Hz, CMU BVH 120 Hz; linear resampling)')
    cam.add_argument('--yaw-deg', type=float,
                     help='fixed heading about z (default: seeded random, '
                     'turned in 30 deg steps until all cameras see the '
                     'person)')
    cam.add_argument('--margin-px', type=float, default=10.0,
                     help='keep joints this far inside the images')
    det = p.add_argument_group('2D "detections" (noisy copy of part)')
    det.add_argument('--no-detections', action='store_true',
                     help='do not write the noisy 2D file')
    det.add_argument('--jitter-px', type=float, default=2.0,
                     help='Gaussian sigma per coordinate (default 2)')
    det.add_argument('--outlier-prob', type=float, default=0.01,
                     help='per-joint outlier probability (default 0.01)')
    det.add_argument('--outlier-px', type=float, default=40.0,
                     help='outlier offset sigma in px (default 40)')
    det.add_argument('--drop-prob', type=float, default=0.01,
                     help='per-joint miss probability (default 0.01)')
    det.add_argument('--drop-score', type=float, default=0.05,
                     help='score of a missed joint (default 0.05)')
    det.add_argument('--score-px', type=float, default=10.0,
                     help='score = s / (s + error px) (default 10)')
    p.add_argument('--seed', type=int, default=0,
                   help='seed of the headings and the 2D noise (default 0)')
    p.add_argument('--quiet', action='store_true', help='no progress bar')
    return p


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if bool(args.expmap) == bool(args.bvh):
        parser.error('give exactly one of --expmap or --bvh')
    if args.expmap and not args.skeleton:
        parser.error('--expmap needs --skeleton')
    if args.bvh and not args.camera_subject:
        parser.error('--bvh needs --camera-subject (whose real cameras)')
    if args.max_frames is not None and args.max_frames < 1:
        parser.error('--max-frames must be >= 1')
    logging.basicConfig(level=logging.WARNING, format='%(message)s')
    noise = None if args.no_detections else dict(
        jitter_px=args.jitter_px, outlier_prob=args.outlier_prob,
        outlier_px=args.outlier_px, drop_prob=args.drop_prob,
        drop_score=args.drop_score, score_px=args.score_px)
    try:
        result = convert_mocap_files(
            args.out_dir, args.cameras, expmap=args.expmap,
            skeleton=args.skeleton, bvh=args.bvh, bvh_unit=args.bvh_unit,
            subjects=args.subjects, actions=args.actions,
            drop_duplicates=not args.keep_duplicates,
            splits=dict(args.split) if args.split else None, noise=noise,
            camera_ids=args.camera_ids, camera_subject=args.camera_subject,
            fps=args.fps, max_frames=args.max_frames, seed=args.seed,
            margin_px=args.margin_px, yaw_deg=args.yaw_deg,
            progress=not args.quiet)
    except ValueError as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    seqs = result['sequences']
    partial = sum(s['visible_frac'] < 1 for s in seqs)
    print(f'{len(seqs)} sequences, frames per split (x cameras): '
          f"{result['frames']}, {result['seconds']:.1f} s; "
          f'{partial} sequences partly outside an image')
    for name, path in result['paths'].items():
        print(f'{name}: {path}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
