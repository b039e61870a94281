"""Lift one person's 2D keypoints (a track you already have) to 3D.

    python tools/lift.py INPUT CONFIG CHECKPOINT --out results.json
        [--image-size W H] [--intrinsics FX FY CX CY]
        [--format auto|h36m|coco|halpe26|halpe] [--device cpu]
        [--batch-size 1024] [--cfg-options k=v ...] [--trust-checkpoint]

INPUT (pixels, N frames of one person):
  * ``.npz`` with ``keypoints`` (N, K, 2) and optionally ``scores`` (N, K);
  * ``.json`` ``{"keypoints": [[[x, y], ...], ...], "scores": [...]}``;
  * ``.json`` MMPose inferencer predictions: a list of frames, each a list
    of instances (or ``{"frame_id": i, "instances": [...]}``, the video
    file of ``--pred-out-dir``) with ``keypoints`` and ``keypoint_scores``;
    the first instance of each frame is taken. An image's file (one list
    of instances) is one frame.

K = 17 is read as Human3.6M-17 unless ``--format coco``; 26 is Halpe-26.
DiffPose configs need ``--image-size``; ZeDO needs ``--intrinsics`` or
``--image-size`` (then a pinhole with f = image diagonal). Writes
``{"keypoint_format": "h36m", "joint_names": [...], "units": "metres",
"frames": [{"frame": i, "keypoints_3d": [[x, y, z], ...],
"keypoint_spread": [...], ("translation": [x, y, z])}]}`` atomically:
root-relative camera-frame metres (x right, y down, z forward). Bad
input: ``error: ...`` on stderr and exit code 2.
"""
import argparse
import sys

from mmengine.config import DictAction

from poselift_mm.apis.keypoint_files import FORMATS, LiftFileError, lift_file


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('input', help='.npz or .json 2D keypoints (pixels)')
    p.add_argument('config', help='lifter config')
    p.add_argument('checkpoint', help='lifter checkpoint')
    p.add_argument('--out', required=True, help='output .json')
    p.add_argument('--image-size', nargs=2, type=float, metavar=('W', 'H'))
    p.add_argument('--intrinsics', nargs=4, type=float,
                   metavar=('FX', 'FY', 'CX', 'CY'), help='pixels')
    p.add_argument('--format', default='auto', choices=FORMATS,
                   help='2D keypoint format (auto: 17 joints = h36m, '
                   '26 = halpe26)')
    p.add_argument('--device', default=None, help='default: cuda if '
                   'available, else cpu')
    p.add_argument('--batch-size', type=int, default=1024,
                   help='poses per model call')
    p.add_argument('--cfg-options', nargs='+', action=DictAction,
                   help='override config entries, key=value')
    p.add_argument('--trust-checkpoint', action='store_true',
                   help='allow full unpickling of the checkpoint (only for '
                   'trusted files)')
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        lift_file(args.input, args.config, args.checkpoint, args.out,
                  image_size=args.image_size, intrinsics=args.intrinsics,
                  format=args.format, device=args.device,
                  batch_size=args.batch_size, cfg_options=args.cfg_options,
                  trust_checkpoint=args.trust_checkpoint)
    except LiftFileError as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main())
