"""2D keypoint files of one person in, 3D results JSON out: what
``tools/lift.py`` reads and writes, and :func:`lift_file` that runs it.

Inputs (pixels, N frames of one person): ``.npz`` with ``keypoints``
(N, K, 2) and optionally ``scores`` (N, K) and ``dataset_name`` (or
``keypoint_format``); ``.json`` ``{"keypoints": ..., "scores": ...,
("dataset_name": ...)}``; ``.json`` MMPose inferencer predictions (a list
of frames, each a list of instances or ``{"frame_id": i, "instances":
[...]}``; the first instance of each frame is taken); or ``.json`` of
MMPose's demo scripts (``--save-predictions``: ``{"meta_info":
{"dataset_name", ...}, "instance_info": [...]}``). A dataset name says the
keypoint format; without one, 17 joints are told apart (COCO-17 or
Human3.6M-17) by :mod:`poselift_mm.geometry.format_detection`, and an
undecidable track is refused naming ``--format``. The output: a results
file of :mod:`poselift_mm.apis.output_schema` (root-relative camera-frame
metres), optionally rendered (:mod:`poselift_mm.apis.results_video`).
"""
import os.path as osp
import pickle
import sys
import time

import numpy as np

from poselift_mm.utils.datafile import NPZ_READ_ERRORS
from poselift_mm.utils.json_stream import load_json_streamed
from .person_tracks import split_tracks, stacked

__all__ = ['FORMATS', 'LiftFileError', 'InputError', 'read_track',
           'read_tracks',
           'read_input', 'input_format', 'write_output', 'lift_file']

FORMATS = ('auto', 'h36m', 'coco', 'halpe26', 'halpe')


class LiftFileError(ValueError):
    """A problem to report as ``error: ...`` (exit code 2)."""


class InputError(LiftFileError):
    """A problem with the input file (named in the message)."""


def _instances(frame, i: int, path: str) -> list:
    """A frame (a list of instances, or a dict with "instances") -> its
    instance dicts (possibly none: no person)."""
    if isinstance(frame, dict) and 'instances' in frame:
        frame = frame['instances']
    if not isinstance(frame, list):
        raise InputError(f'{path}: frame {i} must be a list of instances '
                         f'(or a dict with "instances"), got '
                         f'{type(frame).__name__}')
    for j, inst in enumerate(frame):
        if not isinstance(inst, dict) or 'keypoints' not in inst:
            raise InputError(f'{path}: frame {i}, instance {j} has no '
                             '"keypoints"')
    return frame


def _numeric(value):
    """A JSON list of numbers -> a float64 array; anything else (ragged,
    bool, strings, null) unchanged, for the checks that name it."""
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError):
        return value
    if arr.dtype.kind not in 'iuf' or not arr.ndim:
        return value
    return arr.astype(np.float64)


def _compact_instance(inst):
    """An MMPose instance -> only what lifting reads (keypoints and
    keypoint_scores as arrays, track_id)."""
    if not isinstance(inst, dict) or 'keypoints' not in inst:
        return inst
    out = {k: _numeric(inst[k]) for k in ('keypoints', 'keypoint_scores')
           if k in inst}
    if 'track_id' in inst:
        out['track_id'] = inst['track_id']
    return out


def _compact_frame(frame):
    """A frame of an MMPose prediction file (a list of instances, a dict
    with "instances", or one instance) with compact instances."""
    if isinstance(frame, list):
        return [_compact_instance(i) for i in frame]
    if isinstance(frame, dict) and isinstance(frame.get('instances'), list):
        return dict(frame, instances=[_compact_instance(i)
                                      for i in frame['instances']])
    return _compact_instance(frame)


def _dataset_name(value, path: str, key: str):
    """A dataset / format name from a file (str, or a 0-d array)."""
    if value is None:
        return None
    value = np.asarray(value).reshape(-1)
    if value.size != 1 or not isinstance(value[0], (str, np.str_)):
        raise InputError(f'{path}: {key!r} must be a name such as "coco"')
    return str(value[0])


def _named_format(data, path: str):
    """The format a dict / npz names: ``dataset_name``, or
    ``keypoint_format``, or MMPose's ``meta_info['dataset_name']``."""
    keys = data.files if hasattr(data, 'files') else list(data)
    for key in ('dataset_name', 'keypoint_format'):
        if key in keys:
            return _dataset_name(data[key], path, key)
    meta = data['meta_info'] if 'meta_info' in keys else None
    if isinstance(meta, dict) and meta.get('dataset_name') is not None:
        return _dataset_name(meta['dataset_name'], path,
                             'meta_info.dataset_name')
    return None


def read_tracks(path: str) -> dict:
    """The input file -> ``dict(tracks, frame_ids, dataset)``: ``tracks``
    a list of ``dict(track_id, frames (n,) positions in the file,
    keypoints (n, K, 2), scores (n, K) or None)`` (one per person:
    :func:`~poselift_mm.apis.person_tracks.split_tracks`; an npz or a
    ``{"keypoints": ...}`` file is one track), ``frame_ids`` (N,) (the
    file's ``frame_id`` values, else 0..N-1), ``dataset`` (the dataset /
    format name the file gives, or None). Frames without a person belong
    to no track."""
    if not osp.isfile(path):
        raise InputError(f'{path}: input file does not exist')
    ext = osp.splitext(path)[1].lower()
    if ext == '.npz':
        try:
            data = np.load(path)
            files = data.files
            kp = data['keypoints'] if 'keypoints' in files else None
            scores = data['scores'] if 'scores' in files else None
            dataset = _named_format(data, path)
        except NPZ_READ_ERRORS as err:
            raise InputError(f'{path}: cannot read the npz ({err})') \
                from None
        if kp is None:
            raise InputError(f"{path}: key 'keypoints' (N, K, 2) is missing;"
                             f' found {files}')
        return _one_track(kp, scores, path, dataset)
    if ext != '.json':
        raise InputError(f'{path}: unsupported input type {ext!r} (use '
                         '.npz or .json)')
    try:  # one frame at a time, each made compact (a long file's lists
        # of Python floats would take about 8x its size)
        data = load_json_streamed(path, {
            '': _compact_frame, 'instance_info': _compact_frame,
            'keypoints': _numeric, 'scores': _numeric})
    except (OSError, ValueError, RecursionError) as err:
        raise InputError(f'{path}: cannot read the JSON ({err})') from None
    dataset = None
    if isinstance(data, dict):
        dataset = _named_format(data, path)
        if 'instance_info' in data:  # MMPose's demo scripts
            data = data['instance_info']
        elif 'keypoints' in data:
            return _one_track(data['keypoints'], data.get('scores'), path,
                              dataset)
        else:
            raise InputError(f'{path}: key "keypoints" is missing; found '
                             f'{sorted(data)}')
    if not isinstance(data, list) or not data:
        raise InputError(f'{path}: expected {{"keypoints": ...}} or a '
                         'non-empty list of frames (MMPose predictions)')
    if isinstance(data[0], dict) and 'keypoints' in data[0]:
        data = [data]  # an image's prediction file: one frame
    insts = [_instances(frame, i, path) for i, frame in enumerate(data)]
    if not any(insts):
        raise InputError(f'{path}: no person in any of its {len(data)} '
                         'frames')
    ids = [f.get('frame_id') if isinstance(f, dict) else None for f in data]
    if not all(isinstance(i, int) for i in ids):
        ids = list(range(len(data)))
    return dict(tracks=split_tracks(insts, path, error=InputError),
                frame_ids=ids, dataset=dataset)


def read_track(path: str) -> dict:
    """The one person of the input file (:func:`read_tracks`) as
    ``dict(keypoints, scores, dataset, frame_ids, track_id)`` over the
    frames it is in; a file with several people raises
    :class:`InputError`."""
    data = read_tracks(path)
    if len(data['tracks']) > 1:
        raise InputError(f'{path}: holds {len(data["tracks"])} people '
                         '(tracks); lift_file lifts each of them')
    tr = data['tracks'][0]
    return dict(keypoints=tr['keypoints'], scores=tr['scores'],
                dataset=data['dataset'], track_id=tr['track_id'],
                frame_ids=[data['frame_ids'][i] for i in tr['frames']])


def read_input(path: str):
    """-> keypoints (N, K, 2) list/array, scores (N, K) or None (see
    :func:`read_track`)."""
    track = read_track(path)
    return track['keypoints'], track['scores']


def _one_track(keypoints, scores, path: str, dataset=None) -> dict:
    """A whole-file track: keypoints must be a non-empty sequence of
    frames."""
    ok = isinstance(keypoints, list) or (isinstance(keypoints, np.ndarray)
                                         and keypoints.ndim >= 1)
    if not ok or not len(keypoints):
        raise InputError(f'{path}: "keypoints" must be a non-empty (N, K, 2)'
                         ' array of frames')
    n = len(keypoints)
    return dict(tracks=[dict(track_id=0, frames=np.arange(n),
                             keypoints=stacked(keypoints),
                             scores=None if scores is None
                             else stacked(scores))],
                frame_ids=list(range(n)), dataset=dataset)


def write_output(path: str, result: dict, meta: dict, track_id: int = 0,
                 frame_ids=None) -> None:
    """The results file (:mod:`~poselift_mm.apis.output_schema`) of one
    :func:`~poselift_mm.apis.lift.lift_keypoints` result."""
    from .output_schema import frames_from_lift, write_results
    write_results(path, meta, frames_from_lift(result, track_id, frame_ids))


def _print(msg: str) -> None:
    print(msg, flush=True)


def _load_model(config, checkpoint, device, cfg_options, trust: bool):
    """:func:`init_lifter`; its errors as :class:`LiftFileError`."""
    import poselift_mm  # noqa: F401  (registrations, compat fixes)
    from poselift_mm.utils import checkpoint_trust
    from .lift import init_lifter
    try:
        with checkpoint_trust(trust):  # this load only
            return init_lifter(config, checkpoint, device=device,
                               cfg_options=cfg_options)
    except (ValueError, TypeError, RuntimeError,
            pickle.UnpicklingError) as err:
        raise LiftFileError(str(err)) from None


def input_format(track: dict, format: str = 'auto', log=_print) -> str:
    """The keypoint format to lift ``track`` (:func:`read_track`) with:
    ``format`` when given (a warning in ``log`` when the file's dataset or
    the geometry says otherwise), else the file's dataset name, else
    'auto' (:func:`~poselift_mm.apis.lift.lift_keypoints` decides 17
    joints by their geometry, or refuses naming ``--format``)."""
    from poselift_mm.geometry.format_detection import (
        KeypointFormatError, detect_17_joint_format, format_from_dataset)
    num_joints = np.shape(track['keypoints'][0])[0] \
        if len(np.shape(track['keypoints'][0])) else None
    named = None
    if track['dataset'] is not None:
        try:
            named = format_from_dataset(track['dataset'], num_joints,
                                        'the file names dataset')
        except KeypointFormatError as err:
            if format == 'auto':
                raise InputError(f'{err} (--format)') from None
            log(f'[lift] warning: {err}; using --format {format}')
    if format != 'auto':
        if named is not None and named != format:
            log(f'[lift] warning: the file names dataset '
                f'{track["dataset"]!r} ({named}), --format {format} is used')
        elif num_joints == 17 and format in ('coco', 'h36m'):
            try:
                kp = np.asarray(track['keypoints'], np.float64)
                sc = None if track['scores'] is None else \
                    np.asarray(track['scores'], np.float64)
                vote = detect_17_joint_format(kp, sc)
            except ValueError:  # bad input: lift_keypoints names it
                vote = None
            if vote is not None and vote.format not in (None, format):
                log(f'[lift] warning: --format {format}, but the keypoints '
                    f'look like {vote.format} ({vote.summary()})')
        return format
    if named is not None:
        log(f'[lift] keypoint format {named} (the file names dataset '
            f'{track["dataset"]!r})')
        return named
    return 'auto'


def resolve_model_args(config, checkpoint):
    """``(config file, checkpoint)`` for ``tools/lift.py``'s model
    arguments: a config file needs its checkpoint; a released model's alias
    or name (``zedo``, ``diffpose``, ``diffpose-video``: the metafiles of
    :mod:`poselift_mm.apis.model_zoo`) gives its config file and, unless
    ``checkpoint`` is given, its packaged weights. Raises
    :class:`LiftFileError`."""
    from .model_zoo import resolve_model as zoo_model
    if osp.isfile(str(config)):
        if checkpoint is None:
            raise LiftFileError(
                f'{config}: a config file needs its CHECKPOINT (a model '
                'alias such as zedo brings its packaged weights)')
        return config, checkpoint
    try:
        info = zoo_model(str(config))
    except (KeyError, FileNotFoundError) as err:
        raise LiftFileError(
            f'{config}: not a config file, and {err.args[0]}') from None
    return info.config, checkpoint or info.weights


def lift_file(input, config, checkpoint, out, image_size=None,
              intrinsics=None, format='auto', device=None, batch_size=1024,
              cfg_options=None, trust_checkpoint=False, render=None,
              fps=None, consistency=True, log=_print) -> None:
    """Read ``input``, lift it with the lifter of ``config`` +
    ``checkpoint``, write the results file ``out`` and, with ``render``,
    its animation (arguments: ``tools/lift.py``'s options; ``intrinsics``
    (fx, fy, cx, cy) px; ``fps`` of the input, None: unknown; ``config``
    may be a model alias: :func:`resolve_model_args`). A video lifter gets
    the track at its training rate when ``fps`` is given (:func:`~poselift_
    mm.apis.track_lifting.lift_at_fps`); with ``consistency`` every track
    of 3 or more frames is made consistent over time (:func:`~poselift_mm.
    geometry.temporal.consistent_track`: bones within 5 % of their median
    length, smoothed over about 0.1 s). The file is lifted and written chunk by
    chunk of frames (:mod:`~poselift_mm.apis.chunked_lifting`: memory
    bounded by the chunk; a bar over the frames on a terminal when there
    are several chunks). Raises :class:`LiftFileError` naming the
    problem."""
    from poselift_mm.geometry.temporal import (BONE_TOLERANCE,
                                               consistent_track,
                                               smoothing_window)
    from poselift_mm.utils.progress import progress_wanted
    from .chunked_lifting import (CHUNK_FRAMES, chunked_frames,
                                  context_frames, track_window)
    from .lift import FORMAT_HINT
    from .lift_inputs import MAX_GAP, prepare_track
    from .output_schema import make_meta, write_results
    from .track_lifting import lift_at_fps, model_fps
    t0 = time.time()
    config, checkpoint = resolve_model_args(config, checkpoint)
    if batch_size < 1:
        raise InputError(f'--batch-size must be >= 1, got {batch_size}')
    if fps is not None and not fps > 0:
        raise InputError(f'--fps must be > 0, got {fps}')
    if osp.exists(str(out)) and osp.exists(str(input)) and \
            osp.samefile(str(out), str(input)):
        raise InputError(f'{out}: --out is the input file; it would be '
                         'overwritten: choose another path')
    data = read_tracks(input)
    tracks, frame_ids = data['tracks'], data['frame_ids']
    log(f'[lift] read {input}: {len(frame_ids)} frames, '
        f'{len(tracks)} ' + ('person' if len(tracks) == 1 else 'people'))
    longest = max(tracks, key=lambda tr: len(tr['frames']))
    num_joints = len(longest['keypoints'][0])
    fmt = input_format(dict(longest, dataset=data['dataset']), format, log)
    model = _load_model(config, checkpoint, device, cfg_options,
                        trust_checkpoint)
    log(f'[lift] model {type(model).__name__} from {checkpoint} on '
        f'{next(model.parameters()).device}')
    intr = None
    if intrinsics:
        fx, fy, cx, cy = intrinsics
        intr = dict(f=(fx, fy), c=(cx, cy))

    def failed(err, tr):
        who = '' if len(tracks) == 1 else f' track {tr["track_id"]}:'
        msg = str(err).replace(FORMAT_HINT, 'give it with --format coco|h36m')
        return LiftFileError(f'{input}:{who} {msg}')

    how = 'given'
    if fmt == 'auto':  # decided once, by the longest track, for all
        try:
            kp, sc, _ = track_window(longest, num_joints)
            prep = prepare_track(kp, sc, 'auto', MAX_GAP, image_size)
        except (ValueError, TypeError) as err:
            raise failed(err, longest) from None
        fmt, how = prep['format'], prep['how']
        log(f'[lift] keypoint format {fmt} ({how})')
        del kp, sc, prep
    window = smoothing_window(fps)
    poses = [0]

    def lift(tr, lo, hi):
        kp, sc, _ = track_window(tr, num_joints, lo, hi)
        if isinstance(kp, np.ndarray):
            seen = np.isfinite(kp).all(-1)
            if sc is not None:
                seen &= sc > 0
            if not seen.any():
                return None  # absent all through this chunk
        try:
            result = lift_at_fps(kp, sc, model, fps, image_size=image_size,
                                 intrinsics=intr, keypoint_format=fmt,
                                 batch_size=batch_size, progress=not bar)
        except (ValueError, TypeError) as err:
            raise failed(err, tr) from None
        if consistency and len(kp) >= 3:
            result['keypoints_3d'] = consistent_track(
                result['keypoints_3d'], result.get('present'),
                window).astype(np.float32)
        poses[0] += int(np.sum(result.get('present', True)))
        return result

    meta = make_meta(
        model=dict(config=str(config), checkpoint=str(checkpoint),
                   type=type(model).__name__),
        fps=fps, image_size=image_size, root_index=int(getattr(
            model, 'root_index', 0)), input=str(input),
        input_format=fmt, input_format_reason=how,
        temporal_consistency=dict(window=window,
                                  bone_tolerance=BONE_TOLERANCE)
        if consistency else None,
        intrinsics=None if not intrinsics else dict(
            f=list(intrinsics[:2]), c=list(intrinsics[2:])))
    margin = context_frames(getattr(model, 'num_frames', None) or 1, fps,
                            model_fps(model), MAX_GAP, window)
    bar = None
    if len(frame_ids) > CHUNK_FRAMES and progress_wanted(len(frame_ids)):
        from tqdm import tqdm
        bar = tqdm(total=len(frame_ids), desc='lifting', unit='frame',
                   file=sys.stderr, dynamic_ncols=True)
    try:
        write_results(out, meta, chunked_frames(
            frame_ids, tracks, lift, CHUNK_FRAMES, margin,
            progress=bar.update if bar else None))
    finally:
        if bar is not None:
            bar.close()
    log(f'[lift] lifted {poses[0]} poses in {len(frame_ids)} frames in '
        f'{time.time() - t0:.1f} s')
    log(f'[lift] wrote {out}')
    if render:
        from .results_video import render_results
        path = render_results(out, render, fps,
                              log=lambda m: log(f'[lift] {m}'))
        log(f'[lift] rendered {path}')
