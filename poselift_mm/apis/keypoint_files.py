"""2D keypoint files of one person in, 3D results JSON out: what
``tools/lift.py`` reads and writes, and :func:`lift_file` that runs it.

Inputs (pixels, N frames of one person): ``.npz`` with ``keypoints``
(N, K, 2) and optionally ``scores`` (N, K); ``.json``
``{"keypoints": ..., "scores": ...}``; or ``.json`` MMPose inferencer
predictions (a list of frames, each a list of instances or
``{"frame_id": i, "instances": [...]}``; the first instance of each frame
is taken). The output: ``{"keypoint_format", "joint_names", "units":
"metres", "frames": [{"frame", "keypoints_3d", "keypoint_spread",
("translation")}]}``, root-relative camera-frame metres.
"""
import json
import os.path as osp
import pickle
import time

import numpy as np

__all__ = ['FORMATS', 'LiftFileError', 'InputError', 'read_input',
           'write_output', 'lift_file']

FORMATS = ('auto', 'h36m', 'coco', 'halpe26', 'halpe')


class LiftFileError(ValueError):
    """A problem to report as ``error: ...`` (exit code 2)."""


class InputError(LiftFileError):
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



def _print(msg: str) -> None:
    print(msg, flush=True)


def _load_model(config, checkpoint, device, cfg_options, trust: bool):
    """:func:`init_lifter`; its errors as :class:`LiftFileError`."""
    import poselift_mm  # noqa: F401  (registrations, compat fixes)
    from poselift_mm.utils import trust_checkpoints
    from .lift import init_lifter
    if trust:
        trust_checkpoints()
    try:
        return init_lifter(config, checkpoint, device=device,
                           cfg_options=cfg_options)
    except (ValueError, TypeError, RuntimeError,
            pickle.UnpicklingError) as err:
        raise LiftFileError(str(err)) from None


def lift_file(input, config, checkpoint, out, image_size=None,
              intrinsics=None, format='auto', device=None, batch_size=1024,
              cfg_options=None, trust_checkpoint=False, log=_print) -> None:
    """Read ``input``, lift it with the lifter of ``config`` +
    ``checkpoint``, write ``out`` (arguments: ``tools/lift.py``'s options;
    ``intrinsics`` (fx, fy, cx, cy) px). Raises :class:`LiftFileError`
    naming the problem."""
    from poselift_mm.geometry.skeleton import H36M17_NAMES
    from .lift import lift_keypoints
    t0 = time.time()
    if batch_size < 1:
        raise InputError(f'--batch-size must be >= 1, got {batch_size}')
    keypoints, scores = read_input(input)
    log(f'[lift] read {input}: {len(keypoints)} frames')
    model = _load_model(config, checkpoint, device, cfg_options,
                        trust_checkpoint)
    log(f'[lift] model {type(model).__name__} from {checkpoint} on '
        f'{next(model.parameters()).device}')
    intr = None
    if intrinsics:
        fx, fy, cx, cy = intrinsics
        intr = dict(f=(fx, fy), c=(cx, cy))
    try:
        result = lift_keypoints(keypoints, scores, model,
                                image_size=image_size, intrinsics=intr,
                                keypoint_format=format,
                                batch_size=batch_size)
    except (ValueError, TypeError) as err:
        raise LiftFileError(f'{input}: {err}') from None
    log(f'[lift] lifted {len(result["keypoints_3d"])} frames in '
        f'{time.time() - t0:.1f} s')
    write_output(out, result, H36M17_NAMES)
    log(f'[lift] wrote {out}')
