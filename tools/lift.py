"""Lift one person's 2D keypoints (a track you already have) to 3D.

    python tools/lift.py INPUT CONFIG_OR_ALIAS [CHECKPOINT] --out results.json
        [--image-size W H] [--intrinsics FX FY CX CY]
        [--format auto|h36m|coco|halpe26|halpe] [--render OUT.mp4]
        [--fps N] [--device cpu] [--batch-size 1024]
        [--cfg-options k=v ...] [--trust-checkpoint]

INPUT (pixels, N frames of one person):
  * ``.npz`` with ``keypoints`` (N, K, 2), optionally ``scores`` (N, K) and
    ``dataset_name`` (e.g. ``coco``);
  * ``.json`` ``{"keypoints": [[[x, y], ...], ...], "scores": [...],
    ("dataset_name": "coco")}``;
  * ``.json`` MMPose inferencer predictions: a list of frames, each a list
    of instances (or ``{"frame_id": i, "instances": [...]}``, the video
    file of ``--pred-out-dir``) with ``keypoints`` and ``keypoint_scores``;
    the first instance of each frame is taken. An image's file (one list
    of instances) is one frame. MMPose's demo scripts' files
    (``{"meta_info": {"dataset_name": ...}, "instance_info": [...]}``) too.

Keypoint format (``--format auto``): the dataset the file names, else by
joint count: 26 Halpe-26, 136 Halpe, and 17 COCO-17 (MMPose's 2D body
models) or Human3.6M-17, told apart by the geometry of joints 0-4 (COCO's
face vs Human3.6M's pelvis and right leg); when that cannot be decided the
tool stops and asks for ``--format coco`` or ``--format h36m``. An explicit
``--format`` that the file or the geometry contradicts gives a warning.
DiffPose configs need ``--image-size``; ZeDO needs ``--intrinsics`` or
``--image-size`` (then a pinhole with f = image diagonal).

The model: a config file and its CHECKPOINT, or a released model's alias
(``zedo``, ``diffpose``, ``diffpose-video``, ...; ``python -m
poselift_mm.apis.model_zoo list``), which brings its packaged weights.

Writes the results file of ``poselift_mm.apis.output_schema`` atomically:
``{"meta": {...}, "frames": [{"frame_id": i, "instances": [{"track_id",
"keypoints", "keypoint_scores", "keypoint_spread", "keypoints_2d",
"translation", "bbox"}]}]}`` with ``keypoints`` (17, 3) root-relative
camera-frame metres (x right, y down, z forward), Human3.6M-17 joints,
``keypoint_spread`` null when the lifter gives no spread (one hypothesis),
``translation`` the root's camera-frame position (ZeDO; else null).
``--render OUT.mp4`` (or ``.gif``) also draws the 2D input beside the 3D
over time (a GIF when OpenCV cannot write mp4; ``--fps``, default 25).
Bad input: ``error: ...`` on stderr and exit code 2.
"""
import argparse
import sys

from poselift_mm.utils.launch import quiet_warnings

quiet_warnings()  # before mmengine's import prints pkg_resources' warning
from mmengine.config import DictAction  # noqa: E402

from poselift_mm.apis.keypoint_files import (FORMATS,  # noqa: E402
                                             LiftFileError, lift_file)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('input', help='.npz or .json 2D keypoints (pixels)')
    p.add_argument('config', help='lifter config, or a released model '
                   'alias (zedo, diffpose, diffpose-video, ...)')
    p.add_argument('checkpoint', nargs='?', default=None,
                   help="lifter checkpoint (default: the alias's packaged "
                   'weights; required with a config file)')
    p.add_argument('--out', required=True, help='output .json')
    p.add_argument('--image-size', nargs=2, type=float, metavar=('W', 'H'))
    p.add_argument('--intrinsics', nargs=4, type=float,
                   metavar=('FX', 'FY', 'CX', 'CY'), help='pixels')
    p.add_argument('--format', default='auto', choices=FORMATS,
                   help="2D keypoint format (auto: the file's dataset, "
                   'else 17 joints coco or h36m by their geometry, 26 '
                   'halpe26, 136 halpe)')
    p.add_argument('--render', metavar='OUT.mp4', default=None,
                   help='also render the 2D input and the 3D over time '
                   '(.mp4, or .gif)')
    p.add_argument('--fps', type=float, default=None,
                   help='frame rate of the input (written to the results; '
                   'the animation uses it, default 25)')
    p.add_argument('--no-consistency', action='store_true',
                   help='lift every frame on its own (default: each track '
                   'of 3+ frames keeps its bone lengths within 5 %% of '
                   'their median and is smoothed over about 0.1 s)')
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
                  trust_checkpoint=args.trust_checkpoint,
                  render=args.render, fps=args.fps,
                  consistency=not args.no_consistency)
    except LiftFileError as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main())
