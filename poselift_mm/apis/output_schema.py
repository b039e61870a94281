"""The one 3D results file of poselift_mm, written by ``tools/lift.py``
(:func:`~poselift_mm.apis.keypoint_files.lift_file`) and ``tools/demo.py``
(:mod:`~poselift_mm.apis.video_demo`); :func:`frames_from_lift` makes its
frames of a :func:`~poselift_mm.apis.lift.lift_keypoints` result. MMPose's
prediction layout (a list of ``{"frame_id", "instances"}``) under a
``meta`` that says what the numbers are::

    {"meta": {"schema": "poselift_mm.pose3d", "schema_version": 1,
              "coordinate_frame": "camera", "coordinate_frame_doc": "...",
              "units": "metres", "root_index": 0, "keypoint_format": "h36m",
              "joint_names": [17 names], "model": {"config", "checkpoint",
              "type"}, "fps": 25.0 or null, "image_size": [w, h] or null,
              ...tool-specific entries},
     "frames": [{"frame_id": 0, "instances": [{
         "track_id": 0,
         "keypoints": [[x, y, z], ...],     # (17, 3) metres, camera frame,
                                            # root-relative (joint 0 at 0)
         "keypoint_scores": [...] or null,  # (17,) 2D confidences
         "keypoint_spread": [...] or null,  # (17,) metres; null: no spread
         "keypoints_2d": [[u, v], ...] or null,  # (17, 2) px, lifter input
         "translation": [x, y, z] or null,  # root in the camera frame, m
         "bbox": [x1, y1, x2, y2] or null   # px
     }]}]}

The coordinate frame (:data:`COORDINATE_FRAME_DOC`): the camera's, x right,
y down, z forward (away from the camera), metres, root-relative: the root
joint (0, the pelvis) is at the origin and ``translation`` is where it is
in the camera frame, when the lifter estimates it (ZeDO through
``tools/lift.py``; null otherwise). ``keypoint_spread`` is the per-joint
spread of the lifter's hypotheses (metres); null means no spread: the
lifter gives none, or one hypothesis (whose spread is zero by
construction, not a certainty). ``keypoint_scores`` and ``keypoints_2d``
are in the lifter's joint order (Human3.6M-17), i.e. after the format
conversion. Joint order: ``meta.joint_names``. NaN/inf values are written
as null (strict JSON).

Schema version 1 keeps, for one version, the fields the demo's
``results.json`` had before (listed in ``meta.deprecated``):
``keypoints_3d`` (and with ``--offline`` ``keypoints_3d_online``) in
MMPose's display frame (:mod:`poselift_mm.visualization.display`) and
``frame`` (= ``frame_id``).
"""
import json
import math
from typing import Iterable, List, Optional, Sequence, Tuple

import numpy as np

__all__ = ['SCHEMA', 'SCHEMA_VERSION', 'COORDINATE_FRAME',
           'COORDINATE_FRAME_DOC', 'SchemaError', 'make_meta',
           'make_instance', 'frames_from_lift', 'frames_from_records',
           'write_results', 'read_results', 'track_arrays',
           'instance_from_lift', 'merged_frames']

SCHEMA = 'poselift_mm.pose3d'
SCHEMA_VERSION = 1
COORDINATE_FRAME = 'camera'
COORDINATE_FRAME_DOC = (
    'camera frame: x right, y down, z forward (away from the camera), '
    'metres; root-relative (joint root_index at the origin); translation: '
    'the root joint in the camera frame, metres, when the lifter gives it')
# fields of the demo's results.json before schema 1, still written
DEPRECATED = {
    'keypoints_3d': "MMPose's display frame (X = -x, Y = z, Z = -y, lowest "
                    'joint at Z = 0); removed in schema 2: use keypoints',
    'keypoints_3d_online': 'demo --offline: the online pose in the display '
                           'frame; removed in schema 2: use keypoints_online',
    'frame': 'the frame index; removed in schema 2: use frame_id',
}
_DECIMALS = 6


class SchemaError(ValueError):
    """A results file that is not of this schema (named in the message)."""


def _list(value, shape: Tuple[int, ...]) -> Optional[list]:
    """An array-like of ``shape`` (-1: any) -> nested float lists (rounded
    to 1 um / 1e-6 px), None stays None."""
    if value is None:
        return None
    arr = np.asarray(value, np.float64)
    if arr.ndim != len(shape) or any(s not in (-1, a)
                                     for s, a in zip(shape, arr.shape)):
        raise ValueError(f'expected shape {shape}, got {arr.shape}')
    return np.round(arr, _DECIMALS).tolist()


def make_meta(model: Optional[dict] = None, fps: Optional[float] = None,
              image_size: Optional[Sequence[float]] = None,
              joint_names: Optional[Sequence[str]] = None,
              root_index: int = 0, **extra) -> dict:
    """The ``meta`` of a results file: the schema fields, ``model``
    (``config``, ``checkpoint``, ``type``), ``fps`` and ``image_size`` (None
    when unknown), and the caller's ``extra`` entries."""
    from poselift_mm.geometry.skeleton import H36M17_NAMES
    meta = dict(schema=SCHEMA, schema_version=SCHEMA_VERSION,
                coordinate_frame=COORDINATE_FRAME,
                coordinate_frame_doc=COORDINATE_FRAME_DOC, units='metres',
                root_index=int(root_index), keypoint_format='h36m',
                joint_names=list(joint_names or H36M17_NAMES),
                model=dict(model or {}),
                fps=None if fps is None else float(fps),
                image_size=None if image_size is None else
                [float(v) for v in image_size])
    meta.update(extra)
    return meta


def make_instance(keypoints, track_id: int = 0, keypoint_scores=None,
                  keypoint_spread=None, keypoints_2d=None, translation=None,
                  bbox=None, **extra) -> dict:
    """One person of one frame: ``keypoints`` (K, 3) root-relative
    camera-frame metres; the others optional (None -> null); ``extra``
    entries are added as they are."""
    inst = dict(track_id=int(track_id),
                keypoints=_list(keypoints, (-1, 3)),
                keypoint_scores=_list(keypoint_scores, (-1, )),
                keypoint_spread=_list(keypoint_spread, (-1, )),
                keypoints_2d=_list(keypoints_2d, (-1, 2)),
                translation=_list(translation, (3, )),
                bbox=_list(bbox, (4, )))
    inst.update(extra)
    return inst


def _row(value, i):
    return None if value is None else value[i]


def instance_from_lift(result: dict, i: int, track_id: int = 0) -> dict:
    """The results-file instance of frame ``i`` of a
    :func:`~poselift_mm.apis.lift.lift_keypoints` result."""
    get = result.get
    return make_instance(
        np.asarray(result['keypoints_3d'][i]), track_id,
        _row(get('keypoint_scores'), i), _row(get('keypoint_spread'), i),
        _row(get('keypoints_2d'), i), _row(get('translation'), i))


def frames_from_lift(result: dict, track_id: int = 0,
                     frame_ids: Optional[Iterable[int]] = None) -> List[dict]:
    """The results-file frames of one track lifted by
    :func:`~poselift_mm.apis.lift.lift_keypoints` (its ``keypoints_3d``,
    ``keypoint_spread``, ``keypoints_2d``, ``keypoint_scores``,
    ``translation``), one instance per frame (none where ``present`` is
    False: no person); ``frame_ids`` default 0..N-1.
    """
    n = len(result['keypoints_3d'])
    ids = list(range(n)) if frame_ids is None else \
        [int(i) for i in frame_ids]
    if len(ids) != n:
        raise ValueError(f'frames_from_lift: {len(ids)} frame ids for '
                         f'{n} frames')
    present = result.get('present')
    present = np.ones(n, bool) if present is None else \
        np.asarray(present, bool)
    return [dict(frame_id=fid, instances=[
        instance_from_lift(result, i, track_id)] if present[i] else [])
        for i, fid in enumerate(ids)]


def merged_frames(frame_ids: Sequence[int], lifted: Sequence[tuple]):
    """Frames (a generator: one at a time) of several tracks lifted over
    spans of a file: ``lifted`` is ``(first position, track_id, result)``
    per track, ``frame_ids`` the file's ids by position."""
    order = sorted(range(len(lifted)), key=lambda t: lifted[t][0])
    active, nxt = [], 0
    for pos, fid in enumerate(frame_ids):
        while nxt < len(order) and lifted[order[nxt]][0] <= pos:
            active.append(lifted[order[nxt]])
            nxt += 1
        active = [a for a in active if pos - a[0] < len(a[2]['keypoints_3d'])]
        insts = []
        for first, tid, res in active:
            present = res.get('present')
            if present is None or present[pos - first]:
                insts.append(instance_from_lift(res, pos - first, tid))
        yield dict(frame_id=int(fid), instances=insts)


def frames_from_records(records: List[dict],
                        root_index: int = 0) -> List[dict]:
    """Records of :func:`~poselift_mm.apis.inference.run_inferencer` (and
    ``relift_offline``; ``keypoints_3d`` in MMPose's display frame) -> the
    results-file frames: ``keypoints`` back in the root-relative camera
    frame (``keypoints_online`` too after ``relift_offline``), the
    deprecated display-frame fields kept (module doc)."""
    from poselift_mm.visualization.display import display_to_camera
    frames = []
    for rec in records:
        insts = []
        for src in rec['instances']:
            extra = {}
            for old, new in (('keypoints_3d', 'keypoints'),
                             ('keypoints_3d_online', 'keypoints_online')):
                if src.get(old) is not None:
                    disp = np.asarray(src[old], np.float64)
                    extra[new] = display_to_camera(disp, root_index)
                    extra[old] = disp.tolist()
            cam = extra.pop('keypoints', None)
            if 'keypoints_online' in extra:
                extra['keypoints_online'] = _list(extra['keypoints_online'],
                                                  (-1, 3))
            insts.append(make_instance(
                cam, src.get('track_id', 0), src.get('keypoint_scores'),
                src.get('keypoint_spread'), src.get('keypoints_2d'),
                src.get('translation'), src.get('bbox'), **extra))
        fid = int(rec.get('frame_id', rec.get('frame')))
        frames.append(dict(frame_id=fid, frame=fid, instances=insts))
    return frames


def _json_ready(obj, nulled: list):
    """NaN/inf floats -> None (strict JSON), counted in ``nulled``."""
    if isinstance(obj, float):
        if math.isfinite(obj):
            return obj
        nulled.append(obj)
        return None
    if isinstance(obj, dict):
        return {k: _json_ready(v, nulled) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_ready(v, nulled) for v in obj]
    if isinstance(obj, np.generic):
        return _json_ready(obj.item(), nulled)
    return obj


def write_results(path, meta: dict, frames: Iterable[dict]) -> int:
    """Write a results file atomically (a reader never sees half of it);
    returns the number of NaN/inf values written as null. ``frames`` may
    be any iterable (a generator: it is written frame by frame, so memory
    does not grow with the input; the ``deprecated`` note then needs the
    caller's ``meta``)."""
    from poselift_mm.utils.io import atomic_path
    meta = dict(meta)
    if isinstance(frames, list) and any(
            'frame' in f or any('keypoints_3d' in i for i in f['instances'])
            for f in frames):
        meta.setdefault('deprecated', DEPRECATED)
    nulled = []
    with atomic_path(path) as tmp:
        with open(tmp, 'w') as f:
            f.write('{"meta": ' + json.dumps(_json_ready(meta, nulled),
                                             allow_nan=False))
            f.write(', "frames": [')
            for i, frame in enumerate(frames):
                f.write((', ' if i else '') + json.dumps(
                    _json_ready(frame, nulled), allow_nan=False))
            f.write(']}')
    return len(nulled)


def read_results(source) -> Tuple[dict, List[dict]]:
    """A results file (path, or its parsed dict) -> ``(meta, frames)``;
    :class:`SchemaError` when it is not one of this schema or of a newer
    version."""
    doc = source
    if not isinstance(source, dict):
        try:
            with open(source) as f:
                doc = json.load(f)
        except (OSError, ValueError) as err:
            raise SchemaError(f'{source}: cannot read the results file '
                              f'({err})') from None
    meta = doc.get('meta') if isinstance(doc, dict) else None
    name = source if not isinstance(source, dict) else 'results'
    if not isinstance(meta, dict) or meta.get('schema') != SCHEMA:
        raise SchemaError(f'{name}: not a {SCHEMA} results file (no '
                          f'meta.schema = {SCHEMA!r})')
    version = meta.get('schema_version')
    if not isinstance(version, int) or version > SCHEMA_VERSION:
        raise SchemaError(f'{name}: schema version {version!r}; this '
                          f'poselift_mm reads versions <= {SCHEMA_VERSION}')
    frames = doc.get('frames')
    if not isinstance(frames, list) or not all(
            isinstance(f, dict) and 'frame_id' in f and
            isinstance(f.get('instances'), list) for f in frames):
        raise SchemaError(f'{name}: "frames" must be a list of '
                          '{"frame_id", "instances"}')
    return meta, frames


def _array(values, shape):
    """Per-frame lists (None -> NaN rows) -> an array, or None if all are
    None."""
    if all(v is None for v in values):
        return None
    return np.stack([np.full(shape, np.nan) if v is None else
                     np.asarray(v, np.float64).reshape(shape)
                     for v in values])


def track_arrays(frames: List[dict]) -> dict:
    """``{track_id: dict(frame_ids (N,), keypoints (N, K, 3),
    keypoints_2d (N, K, 2) or None, keypoint_scores (N, K) or None,
    keypoint_spread (N, K) or None, translation (N, 3) or None)}`` of
    results-file frames; null entries inside a field become NaN."""
    by_track = {}
    for frame in frames:
        for inst in frame['instances']:
            by_track.setdefault(int(inst.get('track_id', 0)), []).append(
                (int(frame['frame_id']), inst))
    out = {}
    for tid, items in by_track.items():
        insts = [inst for _, inst in items]
        k = len(insts[0]['keypoints'])
        out[tid] = dict(
            frame_ids=np.array([fid for fid, _ in items]),
            keypoints=_array([i['keypoints'] for i in insts], (k, 3)),
            keypoints_2d=_array([i.get('keypoints_2d') for i in insts],
                                (k, 2)),
            keypoint_scores=_array([i.get('keypoint_scores')
                                    for i in insts], (k, )),
            keypoint_spread=_array([i.get('keypoint_spread')
                                    for i in insts], (k, )),
            translation=_array([i.get('translation') for i in insts], (3, )))
    return out
