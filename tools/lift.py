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
import json
import os.path as osp
import pickle
import sys
import time

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import numpy as np  # noqa: E402

FORMATS = ('auto', 'h36m', 'coco', 'halpe26', 'halpe')


class InputError(ValueError):
    """A problem with the input file (named in the message)."""


def _instances(frame, i: int, path: str):
    if isinstance(frame, dict) and 'instances' in frame:
        frame = frame['instances']
    if not isinstance(frame, list):
        raise InputError(f'{path}: frame {i} must be a list of instances '
                         f'(or a dict with "instances"), got '
                         f'{type(frame).__name__}')
    if not frame:
        raise InputError(f'{path}: frame {i} has no instance (no person '
                         'detected); lift the frames of one track only')
    inst = frame[0]
    if not isinstance(inst, dict) or 'keypoints' not in inst:
        raise InputError(f'{path}: frame {i}, instance 0 has no '
                         '"keypoints"')
    return inst


def read_input(path: str):
    """-> keypoints (N, K, 2) list/array, scores (N, K) or None."""
    if not osp.isfile(path):
        raise InputError(f'{path}: input file does not exist')
    ext = osp.splitext(path)[1].lower()
    if ext == '.npz':
        try:
            data = np.load(path)
            files = data.files
        except (OSError, ValueError) as err:
            raise InputError(f'{path}: cannot read the npz ({err})') \
                from None
        if 'keypoints' not in files:
            raise InputError(f"{path}: key 'keypoints' (N, K, 2) is missing;"
                             f' found {files}')
        scores = data['scores'] if 'scores' in files else None
        return _checked(data['keypoints'], scores, path)
    if ext != '.json':
        raise InputError(f'{path}: unsupported input type {ext!r} (use '
                         '.npz or .json)')
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError) as err:
        raise InputError(f'{path}: cannot read the JSON ({err})') from None
    if isinstance(data, dict):
        if 'keypoints' not in data:
            raise InputError(f'{path}: key "keypoints" is missing; found '
                             f'{sorted(data)}')
        return _checked(data['keypoints'], data.get('scores'), path)
    if not isinstance(data, list) or not data:
        raise InputError(f'{path}: expected {{"keypoints": ...}} or a '
                         'non-empty list of frames (MMPose predictions)')
    if isinstance(data[0], dict) and 'keypoints' in data[0]:
        data = [data]  # an image's prediction file: one frame
    insts = [_instances(frame, i, path) for i, frame in enumerate(data)]
    kpts = [inst['keypoints'] for inst in insts]
    have = ['keypoint_scores' in inst for inst in insts]
    if any(have) and not all(have):
        raise InputError(f'{path}: frame {have.index(False)} has no '
                         '"keypoint_scores" while others have')
    scores = [inst['keypoint_scores'] for inst in insts] if all(have) \
        else None
    return _checked(kpts, scores, path)


def _checked(keypoints, scores, path: str):
    """Keypoints must be a non-empty sequence of frames."""
    ok = isinstance(keypoints, list) or (isinstance(keypoints, np.ndarray)
                                         and keypoints.ndim >= 1)
    if not ok or not len(keypoints):
        raise InputError(f'{path}: "keypoints" must be a non-empty (N, K, 2)'
                         ' array of frames')
    return keypoints, scores


def write_output(path: str, result: dict, joint_names) -> None:
    from poselift_mm.utils.io import atomic_path

    kp = np.round(result['keypoints_3d'].astype(np.float64), 6)
    spread = np.round(result['keypoint_spread'].astype(np.float64), 6)
    trans = result.get('translation')
    frames = []
    for i in range(len(kp)):
        frame = dict(frame=i, keypoints_3d=kp[i].tolist(),
                     keypoint_spread=spread[i].tolist())
        if trans is not None:
            frame['translation'] = np.round(
                trans[i].astype(np.float64), 6).tolist()
        frames.append(frame)
    out = dict(keypoint_format=result['keypoint_format'],
               joint_names=list(joint_names), units='metres',
               frames=frames)
    with atomic_path(path) as tmp:
        with open(tmp, 'w') as f:
            json.dump(out, f)


def parse_args(argv=None):
    from mmengine.config import DictAction

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


def fail(err) -> int:
    print(f'error: {err}', file=sys.stderr)
    return 2


def main(argv=None) -> int:
    args = parse_args(argv)

    def stage(msg):
        print(f'[lift] {msg}', flush=True)

    t0 = time.time()
    try:
        if args.batch_size < 1:
            raise InputError(f'--batch-size must be >= 1, got '
                             f'{args.batch_size}')
        keypoints, scores = read_input(args.input)
        stage(f'read {args.input}: {len(keypoints)} frames')
    except InputError as err:
        return fail(err)
    import poselift_mm  # noqa: F401  (registrations, compat fixes)
    from poselift_mm.apis.lift import init_lifter, lift_keypoints
    from poselift_mm.geometry.skeleton import H36M17_NAMES
    from poselift_mm.utils import trust_checkpoints
    if args.trust_checkpoint:
        trust_checkpoints()
    try:
        model = init_lifter(args.config, args.checkpoint, device=args.device,
                            cfg_options=args.cfg_options)
    except (ValueError, TypeError, RuntimeError,
            pickle.UnpicklingError) as err:
        return fail(err)
    stage(f'model {type(model).__name__} from {args.checkpoint} on '
          f'{next(model.parameters()).device}')
    intrinsics = None
    if args.intrinsics:
        fx, fy, cx, cy = args.intrinsics
        intrinsics = dict(f=(fx, fy), c=(cx, cy))
    try:
        result = lift_keypoints(keypoints, scores, model,
                                image_size=args.image_size,
                                intrinsics=intrinsics,
                                keypoint_format=args.format,
                                batch_size=args.batch_size)
    except (ValueError, TypeError) as err:
        return fail(f'{args.input}: {err}')
    stage(f'lifted {len(result["keypoints_3d"])} frames in '
          f'{time.time() - t0:.1f} s')
    write_output(args.out, result, H36M17_NAMES)
    stage(f'wrote {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
