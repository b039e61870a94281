"""Lifting detector tracks at the lifter's own frame rate.

* :func:`model_fps`: the frame rate a lifter was trained at (metafile
  ``Metadata: Training FPS``, a config's ``train_fps``, or the ``fpsNN``
  folder of its training annotation file), None when unknown.
* :func:`lift_at_fps`: :func:`~poselift_mm.apis.lift.lift_keypoints` of a
  track recorded at ``fps``; a video lifter gets the track resampled to
  its rate (:mod:`poselift_mm.geometry.frame_rate`, linear in time) and
  its 3D is resampled back to the track's frames.
* :func:`lift_records`: every track of per-frame records (the layout of
  :func:`~poselift_mm.apis.inference.run_inferencer`) lifted by
  :func:`lift_at_fps` over the span of its frames (a frame without the
  person is a gap the lifter fills, as ``lift_keypoints`` does).

A 'screen' lifter (DiffPose, MMPose's lifters) gets each person's 2D moved
to Human3.6M's box statistics (the model's ``stats_info``: centre (528,
427) px, scale 400 px), MMPose's ``Pose3DInferencer`` normalisation; by
default it is then lifted in a Human3.6M-size image (1000 x 1000 px, the
frame those statistics live in), so that the person looks to the lifter
as in its training data whatever the camera (MMPose's inferencer uses the
real image size instead, which squeezes a person in a portrait video:
``screen_size``). A 'pixel' lifter (ZeDO) gets the pixels and the camera.
"""
import os.path as osp
import re
from typing import List, Optional, Sequence

import numpy as np

__all__ = ['H36M_STATS', 'H36M_IMAGE_SIZE', 'model_fps', 'resample_track',
           'lift_at_fps',
           'h36m_box_normalised', 'track_span', 'records_from_coco',
           'lift_track', 'lift_records']

H36M_STATS = dict(bbox_center=(528., 427.), bbox_scale=400.)  # MMPose h36m
H36M_IMAGE_SIZE = (1000., 1000.)
FPS_KEY = 'Training FPS'  # metafile Metadata entry


def _cfg_fps(cfg) -> Optional[float]:
    """``train_fps`` of a config, else the ``fpsNN`` folder of its training
    annotation file (``annotation_body3d/fps50/...``)."""
    if cfg.get('train_fps'):
        return float(cfg['train_fps'])
    ds = (cfg.get('train_dataloader') or {}).get('dataset') or {}
    found = re.search(r'(?:^|/)fps(\d+(?:\.\d+)?)/', str(ds.get('ann_file')))
    return float(found.group(1)) if found else None


def model_fps(model) -> Optional[float]:
    """The frame rate (Hz) ``model`` (a lifter with ``.cfg``, or a config)
    was trained at: its metafile entry's ``Metadata: Training FPS``, else
    :func:`_cfg_fps`; None when nothing says."""
    from .model_zoo import get_model, list_models
    cfg = getattr(model, 'cfg', model)
    if cfg is None:
        return None
    name = getattr(cfg, 'filename', None)
    if name:
        real = osp.realpath(name)
        for entry in list_models():
            info = get_model(entry)
            if osp.realpath(info.config) == real and \
                    info.metadata.get(FPS_KEY):
                return float(info.metadata[FPS_KEY])
    return _cfg_fps(cfg)


def _frames_of(model) -> int:
    return int(getattr(model, 'num_frames', None) or 1)


def resample_track(keypoints, scores, fps: float, rate: float):
    """A track (N, K, 2) px, scores (N, K) or None at ``fps`` -> (M, K, 2),
    (M, K) or None at ``rate`` (linear in time). A joint missing (NaN
    position or score <= 0) in either source frame around a sample is
    missing there too (NaN position, score 0)."""
    from poselift_mm.geometry.frame_rate import resample_sequence
    kp = np.asarray(keypoints, np.float64)
    gone = ~np.isfinite(kp).all(-1)
    if scores is not None:
        sc = np.asarray(scores, np.float64)
        gone |= ~(sc > 0)
    kp = np.where(gone[..., None], np.nan, kp)
    kp_m = resample_sequence(kp, fps, rate)
    gone_m = ~np.isfinite(kp_m).all(-1)
    if scores is None:
        return kp_m, None
    sc_m = resample_sequence(np.where(gone, 0., sc), fps, rate)
    return kp_m, np.where(gone_m, 0., sc_m)


def lift_at_fps(keypoints, scores, model, fps: Optional[float] = None,
                model_rate: Optional[float] = None, **lift_kwargs) -> dict:
    """:func:`~poselift_mm.apis.lift.lift_keypoints` (``lift_kwargs``: its
    keyword arguments) of one track ``keypoints`` (N, K, 2), ``scores``
    (N, K) or None, recorded at ``fps`` Hz, with the same result keys.

    A video lifter (``model.num_frames`` > 1) whose rate (``model_rate``,
    default :func:`model_fps`) differs from ``fps`` lifts the track
    prepared at ``fps`` as ``lift_keypoints`` prepares it (format, gaps
    of at most ``max_gap`` source frames filled:
    :func:`~poselift_mm.apis.lift_inputs.prepare_track`), resampled to its
    rate (M frames, :func:`resample_track`); ``keypoints_3d`` (N, 17, 3),
    ``keypoint_spread`` (N, 17) and ``translation`` (N, 3) are resampled
    back to the N frames (NaN in frames without a person, as
    ``lift_keypoints``); ``keypoints_2d``, ``keypoint_scores``,
    ``present`` and ``filled`` are the prepared track's. Frame lifters,
    an unknown rate or N = 1: ``lift_keypoints`` as it is. Adds ``fps``,
    ``model_fps`` and ``resampled`` (bool)."""
    from poselift_mm.geometry.frame_rate import resample_back, same_rate

    from .lift import lift_keypoints
    from .lift_inputs import MAX_GAP, prepare_track
    rate = model_rate if model_rate is not None else model_fps(model)
    n = len(keypoints)
    if fps is None or rate is None or _frames_of(model) <= 1 or n < 2 or \
            same_rate(fps, rate):
        out = lift_keypoints(keypoints, scores, model, **lift_kwargs)
        out.update(fps=fps, model_fps=rate, resampled=False)
        return out
    kw = dict(lift_kwargs)
    track = prepare_track(keypoints, scores,
                          kw.pop('keypoint_format', 'auto'),
                          kw.pop('max_gap', MAX_GAP))
    kp_m, sc_m = resample_track(track['keypoints'], track['scores'], fps,
                                rate)
    out = lift_keypoints(kp_m, sc_m, model, keypoint_format='h36m', **kw)
    for key in ('keypoints_3d', 'keypoint_spread', 'translation'):
        if out.get(key) is not None:
            v = resample_back(out[key], fps, rate, n, skip_nan=True)
            v[~track['present']] = np.nan
            out[key] = v.astype(np.float32)
    out.update(keypoints_2d=track['keypoints'],
               keypoint_scores=track['scores'], present=track['present'],
               filled=track['filled'], input_format=track['format'],
               input_format_reason=track['how'], fps=fps, model_fps=rate,
               resampled=True)
    return out


def h36m_box_normalised(keypoints, bboxes, stats=None,
                        inverse: bool = False) -> np.ndarray:
    """(N, K, 2) px and their (N, 4) boxes ``[x1, y1, x2, y2]`` -> (N, K, 2)
    each pose moved so that its box has Human3.6M's centre and scale
    (``stats``: ``bbox_center``, ``bbox_scale``; default
    :data:`H36M_STATS`), as MMPose's ``Pose3DInferencer`` does;
    ``inverse``: back from there to the boxes' pixels."""
    stats = stats or H36M_STATS
    kp = np.asarray(keypoints, np.float64)
    bb = np.asarray(bboxes, np.float64).reshape(-1, 4)
    centre = (bb[:, None, :2] + bb[:, None, 2:]) / 2
    scale = np.maximum(bb[:, 2] - bb[:, 0], bb[:, 3] - bb[:, 1])
    scale = np.maximum(scale, 1e-6)[:, None, None]
    to_scale = float(np.asarray(stats['bbox_scale'], np.float64).reshape(-1)
                     [0])
    to_centre = np.asarray(stats['bbox_center'], np.float64).reshape(1, 1, 2)
    if inverse:
        return (kp - to_centre) / to_scale * scale + centre
    return (kp - centre) / scale * to_scale + to_centre


def track_span(frame_ids: Sequence[int], *arrays):
    """A track seen in the increasing frames ``frame_ids`` (N,) with
    per-frame ``arrays`` (N, ...) -> ``(rows, spread)``: ``rows`` (N,) the
    frames' places in the span from its first to its last frame (L
    frames), ``spread`` the arrays over the span, (L, ...) float64, NaN in
    the frames the track is not in (the missing-frame rule of
    :func:`~poselift_mm.apis.lift.lift_keypoints`)."""
    ids = np.asarray(frame_ids, np.int64)
    if not len(ids) or (np.diff(ids) <= 0).any():
        raise ValueError(f'track_span: need increasing frame ids, got {ids}')
    rows = ids - ids[0]
    spread = []
    for a in arrays:
        a = np.asarray(a, np.float64)
        full = np.full((int(rows[-1]) + 1, ) + a.shape[1:], np.nan)
        full[rows] = a
        spread.append(full)
    return rows, spread


def records_from_coco(frames: List[dict], track_id: int = 0) -> List[dict]:
    """Frames of COCO-17 2D (:func:`~poselift_mm.apis.blazepose.
    run_blazepose`, MMPose's prediction layout) -> records in
    :func:`~poselift_mm.apis.inference.run_inferencer`'s layout without
    3D: per instance ``track_id``, ``keypoints_2d`` (17, 2) px and
    ``keypoint_scores`` (17,) in Human3.6M-17 order, ``keypoints_2d_coco``
    (17, 2), ``bbox`` [x1, y1, x2, y2]. One person per frame is one track
    (the first instance); frames without a person stay empty."""
    from poselift_mm.geometry.keypoint_formats import convert_keypoints
    out = []
    for f in frames:
        insts = []
        if f['instances']:
            src = f['instances'][0]
            kp = np.asarray(src['keypoints'], np.float64)[:, :2]
            sc = np.asarray(src['keypoint_scores'], np.float64)
            h_kp, h_sc = convert_keypoints(kp, sc, src='coco')
            insts.append(dict(
                track_id=int(track_id), keypoints_2d=h_kp.tolist(),
                keypoint_scores=h_sc.tolist(), keypoints_2d_coco=kp.tolist(),
                bbox=np.asarray(src['bbox'], np.float64).reshape(4).tolist()))
        out.append(dict(frame=int(f['frame_id']), instances=insts))
    return out


def lift_track(model, keypoints, scores, bboxes, image_size,
               fps: Optional[float] = None, intrinsics=None,
               screen_size: Optional[Sequence[float]] = H36M_IMAGE_SIZE,
               keypoint_format: str = 'h36m') -> dict:
    """One track's consecutive frames (N, 17, 2) px, scores (N, 17), boxes
    (N, 4) px, in an image of ``image_size`` (w, h) -> :func:`lift_at_fps`'s
    dict (``keypoints_3d`` (N, 17, 3) root-relative camera-frame metres,
    ...), with ``keypoints_2d`` in the image's pixels (Human3.6M-17).
    'screen' lifters get the 2D of :func:`h36m_box_normalised` in an image
    of ``screen_size`` (None: ``image_size``); 'pixel' lifters the pixels
    with ``intrinsics`` (None: the lifter's default pinhole)."""
    kp = np.asarray(keypoints, np.float64)
    pixel = getattr(model, 'input_space', 'screen') == 'pixel'
    if pixel:
        inp, size = kp, image_size
    else:
        stats = (getattr(model, 'dataset_meta', None) or {}).get(
            'stats_info') or H36M_STATS
        inp = h36m_box_normalised(kp, bboxes, stats)
        size, intrinsics = screen_size or image_size, None
    out = lift_at_fps(inp, scores, model, fps, image_size=size,
                      intrinsics=intrinsics, keypoint_format=keypoint_format)
    if not pixel:  # the lifter's 2D back in the image's pixels
        out['keypoints_2d'] = h36m_box_normalised(
            out['keypoints_2d'], bboxes, stats, inverse=True).astype(
                np.float32)
    return out


def lift_records(model, records: List[dict], image_size,
                 fps: Optional[float] = None,
                 screen_size: Optional[Sequence[float]] = H36M_IMAGE_SIZE,
                 rebase: bool = True, log=None) -> List[dict]:
    """Lift every track of ``records`` (consecutive frames; instances with
    ``track_id``, ``keypoints_2d`` (17, 2) px Human3.6M-17,
    ``keypoint_scores``, ``bbox``) with :func:`lift_track`, over the span
    of its frames (:func:`track_span`: a frame without it is a gap the
    lifter fills). Sets each instance's ``keypoints_3d`` (MMPose's display
    frame, lowest joint at 0 with ``rebase``, as the inferencer writes
    it), ``keypoint_spread`` and ``translation`` (camera frame, or None);
    an existing ``keypoints_3d`` is kept as ``keypoints_3d_online``.
    Returns ``records`` (changed in place)."""
    from poselift_mm.visualization.display import camera_to_display
    tracks = {}
    for r, rec in enumerate(records):
        for j, inst in enumerate(rec['instances']):
            tracks.setdefault(inst['track_id'], []).append((r, j))
    for tid, places in tracks.items():
        insts = [records[r]['instances'][j] for r, j in places]
        rows, (kp, sc, bb) = track_span(
            [r for r, _ in places], [i['keypoints_2d'] for i in insts],
            [i['keypoint_scores'] for i in insts],
            [i['bbox'] for i in insts])
        out = lift_track(model, kp, np.nan_to_num(sc, nan=0.), bb,
                         image_size, fps, screen_size=screen_size)
        if log is not None and out['resampled']:
            log(f'track {tid}: {len(kp)} frames at {fps:g} fps lifted at '
                f'the model\'s {out["model_fps"]:g} Hz')
        disp = camera_to_display(out['keypoints_3d'][rows], rebase=rebase)
        for n, inst in enumerate(insts):
            if 'keypoints_3d' in inst:
                inst['keypoints_3d_online'] = inst['keypoints_3d']
            inst['keypoints_3d'] = disp[n].tolist()
            for key in ('keypoint_spread', 'translation'):
                v = out.get(key)
                inst[key] = None if v is None else v[rows[n]].tolist()
    return records
