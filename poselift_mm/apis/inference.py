"""Images or a video -> MMPose 2D pose model -> our lifters, through
MMPose's own ``MMPoseInferencer`` (its ``Pose3DInferencer``).

    inferencer = build_inferencer(
        'rtmpose-t_8xb256-420e_coco-256x192.py', 'rtmpose-t.pth',
        'zedo', None, device='cpu', det_model='whole_image')
    frames = run_inferencer(inferencer, 'video.mp4')
    frames[0]['instances'][0]['keypoints_3d']  # (17, 3) metres

Frame convention of ``keypoints_3d``: MMPose's display frame, made by the
inferencer from the lifter's root-relative camera-frame pose (x right,
y down, z forward): ``X = -x``, ``Y = z`` (depth), ``Z = -y`` (up), then
``Z`` minus its minimum over the joints (lowest joint at height 0) unless
``disable_rebase_keypoint``. This is a mirror of the camera frame (det -1);
:func:`display_to_camera` undoes it up to the root position.

The lifter is a config file or a released model's alias or name
(``'zedo'``, ``'diffpose'``, ``'diffpose-video'``: the metafiles, see
:mod:`poselift_mm.apis.model_zoo`); an alias brings its packaged weights.
:func:`build_inferencer` and :func:`run_inferencer` call
:func:`~poselift_mm.apis.inferencer_hooks.enable_mmpose_inferencer`, which
also lets a plain ``MMPoseInferencer(pose3d='zedo')`` find the aliases and
gives a 'pixel' lifter (ZeDO) its ``disable_norm_pose_2d=True`` (an
explicit False is refused); users of a plain ``MMPoseInferencer`` call it
once themselves.

Two faults of MMPose 1.3.2's inferencer are handled (nothing in
site-packages is edited):

* its tracker never stores the previous frame (``results_pose2d_last`` stays
  empty), so every detection opens a new track every frame:
  :func:`poselift_mm.apis.tracks.enable_persistent_tracks` (part of
  ``enable_mmpose_inferencer``) stores the
  current frame's detections after each frame, which makes ``track_id``
  persistent (IoU or OKS matching, ``tracking_thr``);
* ``preprocess_single`` returns nothing for a frame without a person and
  the inferencer's collate then fails: such frames give an empty
  ``instances`` list here.
"""
import mimetypes
import os
import os.path as osp
import warnings
from typing import Callable, List, Optional, Sequence, Union

import numpy as np
from mmengine.config import Config

from poselift_mm.visualization.display import (camera_to_display,
                                               display_to_camera)
from poselift_mm.apis.inferencer_hooks import enable_mmpose_inferencer

__all__ = [
    'lifter_inferencer_kwargs', 'build_inferencer',
    'run_inferencer', 'display_to_camera', 'camera_to_display',
    'list_inputs', 'InputReadError',
    'TruncatedVideoWarning', 'relift_offline'
]

# 2D datasets MMPose's convert_keypoint_definition maps to Human3.6M-17
# (it passes coco_wholebody's 133 keypoints through unchanged: not usable)
SUPPORTED_2D = ('h36m', 'coco', 'posetrack18', 'aic', 'crowdpose')


class InputReadError(ValueError):
    """An input (image, folder or video) that cannot be read."""


class TruncatedVideoWarning(UserWarning):
    """A video that ended before the frame count its header gives."""


def _config(pose3d_config) -> Config:
    if isinstance(pose3d_config, Config):
        return pose3d_config
    path = str(pose3d_config)
    if not osp.isfile(path):
        raise ValueError(f'{path}: lifter config file does not exist')
    try:
        return Config.fromfile(path)
    except Exception as err:  # syntax errors, missing _base_ files
        raise ValueError(f'{path}: cannot read the lifter config ({err})') \
            from err


def lifter_inferencer_kwargs(pose3d_config) -> dict:
    """Inferencer call arguments a lifter config needs.

    ``disable_norm_pose_2d``: True for lifters whose ``input_space`` is
    'pixel' (ZeDO optimises the 3D pose against the rays of the 2D pixels
    through a pinhole built from the image size: the keypoints must stay in
    pixels of the real image); False for 'screen' lifters (DiffPose and
    MMPose's lifters), which were trained on
    screen-normalised Human3.6M 2D: MMPose moves each person to the H36M
    bbox statistics (centre, scale) first, as for its own lifters.
    Seq-to-seq window configs (``multiple_target``) are refused: the
    inferencer feeds ``seq_len`` frames and keeps one output pose.
    """
    cfg = _config(pose3d_config)
    name = pose3d_config if isinstance(pose3d_config, str) else \
        (cfg.filename or '<config>')
    model = cfg.get('model') or {}
    if 'type' not in model:
        raise ValueError(f"{name}: key 'model.type' is missing")
    for split in ('train_dataloader', 'test_dataloader'):
        if not (cfg.get(split) or {}).get('dataset'):
            raise ValueError(
                f"{name}: key '{split}.dataset' is missing (MMPose's "
                'inferencer reads the dataset meta and the test pipeline '
                'from it)')
    test_ds = cfg.test_dataloader.dataset
    if test_ds.get('multiple_target', 0):
        raise ValueError(
            f"{name}: 'test_dataloader.dataset.multiple_target' = "
            f'{test_ds.multiple_target}: a seq-to-seq window config; '
            "MMPose's inferencer lifts one frame per step (use a frame "
            'config, seq_len windows, or tools/lift.py)')
    return dict(disable_norm_pose_2d=input_space(model['type']) == 'pixel')


def input_space(model_type) -> str:
    """The ``input_space`` of a registered lifter type ('screen' for
    MMPose's own lifters): 'pixel' lifters work on the keypoints' rays, so
    MMPose's H36M bbox normalisation of the 2D must be off for them."""
    import poselift_mm  # noqa: F401  (registrations)
    from mmpose.registry import MODELS

    cls = MODELS.get(model_type) if isinstance(model_type, str) else \
        model_type
    return getattr(cls, 'input_space', 'screen')


def build_inferencer(pose2d: str,
                     pose2d_weights: Optional[str],
                     pose3d: str,
                     pose3d_weights: Optional[str],
                     device: Optional[str] = None,
                     det_model: Optional[str] = None,
                     det_weights: Optional[str] = None,
                     det_cat_ids: Optional[Union[int, Sequence[int]]] = None):
    """An ``MMPoseInferencer`` running ``pose2d`` (config path or MMPose
    alias; aliases download weights) then the lifter ``pose3d`` (config
    path, or a poselift_mm model alias / name: its packaged weights unless
    ``pose3d_weights`` is given). ``det_model='whole_image'``: the whole
    image is one person box. Weights None: random initialisation (MMPose
    warns). The lifter's :func:`lifter_inferencer_kwargs` are kept as
    ``inferencer.poselift_kwargs``, the lifter's config file and weights
    as ``inferencer.poselift_lifter``."""
    import poselift_mm  # noqa: F401  (registrations, compat fixes)
    from mmpose.apis import MMPoseInferencer

    from poselift_mm.apis.model_zoo import resolve_lifter

    enable_mmpose_inferencer()  # aliases, lifter inputs, tracks
    pose3d, pose3d_weights = resolve_lifter(pose3d, pose3d_weights)
    if isinstance(pose3d, str) and 'hand3d' in pose3d:
        raise ValueError(
            f"{pose3d}: MMPose 1.3.2 sends any lifter config whose path "
            "contains 'hand3d' to its hand inferencer; rename the file")
    kwargs = lifter_inferencer_kwargs(pose3d)
    for path, what in ((pose3d_weights, 'lifter'),
                       (pose2d_weights, '2D model'),
                       (det_weights, 'detector')):
        if path is not None and '://' not in str(path) and \
                not osp.isfile(path):
            raise ValueError(f'{path}: {what} checkpoint does not exist')
    inferencer = MMPoseInferencer(
        pose2d=pose2d, pose2d_weights=pose2d_weights, pose3d=pose3d,
        pose3d_weights=pose3d_weights, device=device, det_model=det_model,
        det_weights=det_weights, det_cat_ids=det_cat_ids)
    inner = inferencer.inferencer
    name2d = inner.pose2d_model.model.dataset_meta.get('dataset_name')
    name3d = inner.model.dataset_meta.get('dataset_name')
    config = pose3d if isinstance(pose3d, str) else pose3d.filename
    if name2d not in SUPPORTED_2D or name3d != 'h36m':
        raise ValueError(
            f'{pose2d}: 2D keypoints of dataset {name2d!r} cannot be mapped '
            f'to the lifter dataset {name3d!r} of {config} (MMPose maps '
            f'{SUPPORTED_2D} to h36m)')
    inferencer.poselift_kwargs = kwargs
    inferencer.poselift_lifter = dict(config=config, weights=pose3d_weights)
    return inferencer


def list_inputs(inputs) -> Union[list, str]:
    """Checked inputs for the inferencer: a video path -> the path (read by
    MMPose), an image path -> [path], a folder -> its images sorted by
    name, an array or a list -> as a list. Raises :class:`InputReadError`."""
    if isinstance(inputs, np.ndarray):
        return [inputs]
    if isinstance(inputs, (list, tuple)):
        return list(inputs)
    path = str(inputs)
    if osp.isdir(path):
        images = sorted(
            osp.join(path, f) for f in os.listdir(path)
            if osp.isfile(osp.join(path, f)) and _kind(f) == 'image')
        if not images:
            raise InputReadError(f'{path}: the folder holds no image files')
        return images
    if not osp.isfile(path):
        raise InputReadError(f'{path}: input does not exist')
    kind = _kind(path)
    if kind not in ('image', 'video'):
        raise InputReadError(f'{path}: not an image or a video (type '
                             f'{mimetypes.guess_type(path)[0]})')
    return path if kind == 'video' else [path]


def _kind(path: str) -> Optional[str]:
    mime = mimetypes.guess_type(path)[0]
    return mime.split('/')[0] if mime else None


def _open(inner, inputs):
    """-> iterable of frames, info dict (``video``, ``frames_expected``,
    ``fps``, ``width``, ``height``)."""
    items = list_inputs(inputs)
    if isinstance(items, str):  # a video
        try:
            items = inner._inputs_to_list(items)
        except (AssertionError, OSError, ValueError) as err:
            raise InputReadError(
                f'{inputs}: cannot open the video (truncated or not a '
                f'video file?): {err}') from None
        opened = getattr(items, 'opened', True)
        if not opened:
            raise InputReadError(
                f'{inputs}: cannot open the video (truncated, or not a '
                'video file OpenCV can read): no frame can be read')
        vi = inner.video_info
        return items, dict(video=True, frames_expected=len(items),
                           fps=float(vi['fps'] or 0), width=vi['width'],
                           height=vi['height'])
    items = inner._inputs_to_list(items)  # a list: sets _video_input False
    return items, dict(video=False, frames_expected=len(items), fps=None)


def _as_np(x):
    return x.detach().cpu().numpy() if hasattr(x, 'detach') else \
        np.asarray(x)


def _instances(inner, pred3d) -> List[dict]:
    """One frame's per-person dicts, in the inferencer's order (track id)."""
    est = inner._buffer['pose_est_results_list'][-1]
    merged = inner._buffer['pose2d_results']
    if pred3d is None or not est:
        return []
    p3 = pred3d.pred_instances
    n = len(est)
    if len(p3) != n:
        raise RuntimeError(f'inferencer gave {len(p3)} 3D poses for {n} '
                           '2D detections')
    kp3 = _as_np(p3.keypoints).reshape(n, -1, 3)
    spread = _as_np(p3.keypoint_spread).reshape(n, -1) \
        if 'keypoint_spread' in p3 else None
    tids = np.array([ds.get('track_id', 1e4) for ds in est])
    order = np.argsort(tids, kind='stable')  # the inferencer's sort
    kp2 = np.stack([_as_np(ds.pred_instances.keypoints)[0] for ds in est])
    scores = _as_np(merged.pred_instances.keypoint_scores).reshape(n, -1)
    scores = inner._keypoint_converter(scores[..., None])[..., 0]
    bboxes = _as_np(merged.pred_instances.bboxes).reshape(n, 4)
    out = []
    for j, i in enumerate(order):
        if tids[i] < 0:  # MMPose: unmatched and < 3 keypoints: no person
            continue
        out.append(dict(
            track_id=int(tids[i]),
            keypoints_3d=kp3[j].astype(float).tolist(),
            keypoint_scores=scores[i].astype(float).tolist(),
            keypoint_spread=None if spread is None else
            spread[j].astype(float).tolist(),
            keypoints_2d=kp2[i, :, :2].astype(float).tolist(),
            bbox=bboxes[i].astype(float).tolist()))
    return out


def run_inferencer(inferencer,
                   inputs,
                   max_frames: Optional[int] = None,
                   disable_norm_pose_2d: Optional[bool] = None,
                   disable_rebase_keypoint: bool = False,
                   bbox_thr: float = 0.3,
                   nms_thr: float = 0.3,
                   use_oks_tracking: bool = False,
                   tracking_thr: float = 0.3,
                   on_frame: Optional[Callable] = None,
                   info: Optional[dict] = None) -> List[dict]:
    """Run ``inferencer`` (from :func:`build_inferencer`) on an image, a
    folder of images (sorted by name, each on its own), a video (frames in
    order, online: only past frames are used) or a list of images/arrays.

    Returns per frame ``{"frame": i, "instances": [...]}``; an instance has
    ``track_id``, ``keypoints_3d`` (K, 3) metres in MMPose's display frame
    (module doc), ``keypoint_scores`` (K,) the 2D model's confidences mapped
    to the lifter's joints, ``keypoint_spread`` (K,) metres (the lifter's
    spread of hypotheses; None when the lifter gives none), ``keypoints_2d``
    (K, 2) px in the lifter's joint order (Human3.6M-17) and ``bbox``
    [x1, y1, x2, y2] px. ``disable_norm_pose_2d`` None: the lifter's
    default (:func:`lifter_inferencer_kwargs`). ``on_frame(i, frame,
    record)`` is called after each frame (``frame``: an image path or a BGR
    array). ``info`` (a dict) receives ``video``, ``fps``,
    ``frames_expected``, ``frames_read``, ``truncated``. A video that ends
    early gives a :class:`TruncatedVideoWarning` and the frames read.
    """
    enable_mmpose_inferencer()  # track ids, lifter inputs (module doc)
    inner = getattr(inferencer, 'inferencer', inferencer)
    if not hasattr(inner, '_keypoint_converter'):
        raise ValueError('run_inferencer: needs an MMPoseInferencer with a '
                         '3D lifter (build_inferencer)')
    if disable_norm_pose_2d is None:
        disable_norm_pose_2d = getattr(inferencer, 'poselift_kwargs', {}).get(
            'disable_norm_pose_2d', False)
    info = {} if info is None else info
    items, meta = _open(inner, inputs)
    info.update(meta)
    expected = meta['frames_expected']
    if max_frames is not None:
        expected = min(expected, int(max_frames))
    pre = dict(bbox_thr=bbox_thr, nms_thr=nms_thr,
               use_oks_tracking=use_oks_tracking, tracking_thr=tracking_thr,
               disable_norm_pose_2d=bool(disable_norm_pose_2d))
    records = []
    inner._buffer.clear()
    try:
        for i, frame in enumerate(items):
            if max_frames is not None and i >= max_frames:
                break
            data = inner.preprocess_single(frame, index=i, **pre)
            pred = None
            if data:
                pred = inner.forward(
                    inner.collate_fn(data),
                    disable_rebase_keypoint=disable_rebase_keypoint)[0]
            record = dict(frame=i, instances=_instances(inner, pred))
            records.append(record)
            if on_frame is not None:
                on_frame(i, frame, record)
    finally:
        inner._buffer.clear()
    info['frames_read'] = len(records)
    info['truncated'] = bool(meta['video'] and len(records) < expected)
    if info['truncated']:
        warnings.warn(
            f'{inputs}: the video ended after {len(records)} of {expected} '
            'frames (truncated or unreadable); results hold the frames read',
            TruncatedVideoWarning, stacklevel=2)
    return records


def _h36m_normalised(kp: np.ndarray, bboxes: np.ndarray,
                     stats: dict) -> np.ndarray:
    """MMPose's per-person 2D normalisation of ``Pose3DInferencer``: each
    pose moved to the Human3.6M bbox centre and scale (``stats_info``)."""
    centre = (bboxes[:, None, :2] + bboxes[:, None, 2:]) / 2
    scale = np.maximum(bboxes[:, 2] - bboxes[:, 0],
                       bboxes[:, 3] - bboxes[:, 1])[:, None, None]
    return (kp - centre) / scale * np.asarray(stats['bbox_scale']) + \
        np.asarray(stats['bbox_center'])


def relift_offline(inferencer, records: List[dict], image_size,
                   disable_norm_pose_2d: Optional[bool] = None,
                   disable_rebase_keypoint: bool = False) -> List[dict]:
    """Lift every track of ``records`` (from :func:`run_inferencer`) again,
    now that all frames are known: each track's 2D sequence goes through
    :func:`~poselift_mm.apis.lift.lift_keypoints` with windows centred on
    each frame (the true future; a causal config's ``output_frame`` is
    ignored). The 2D gets the same normalisation as online. Replaces each
    instance's ``keypoints_3d`` / ``keypoint_spread`` (display frame, as
    the inferencer's) in place and keeps the online pose as
    ``keypoints_3d_online``; returns ``records``. A frame model gives the
    online result again (up to float rounding)."""
    from poselift_mm.apis.lift import lift_keypoints
    inner = getattr(inferencer, 'inferencer', inferencer)
    model = inner.model
    if getattr(model, 'cfg', None) is None:
        model.cfg = inner.cfg
    if disable_norm_pose_2d is None:
        disable_norm_pose_2d = getattr(inferencer, 'poselift_kwargs', {}).get(
            'disable_norm_pose_2d', False)
    stats = model.dataset_meta.get('stats_info') or {}
    if not disable_norm_pose_2d and not stats:
        raise ValueError('relift_offline: the lifter has no stats_info for '
                         "MMPose's 2D normalisation")
    tracks = {}
    for r, rec in enumerate(records):
        for j, inst in enumerate(rec['instances']):
            tracks.setdefault(inst['track_id'], []).append((r, j))
    for places in tracks.values():
        insts = [records[r]['instances'][j] for r, j in places]
        kp = np.asarray([i['keypoints_2d'] for i in insts], np.float64)
        sc = np.asarray([i['keypoint_scores'] for i in insts], np.float64)
        if not disable_norm_pose_2d:
            kp = _h36m_normalised(
                kp, np.asarray([i['bbox'] for i in insts], np.float64),
                stats)
        out = lift_keypoints(kp, sc, model, image_size=image_size,
                             keypoint_format='h36m')
        disp = camera_to_display(out['keypoints_3d'],
                                 rebase=not disable_rebase_keypoint)
        spread = out['keypoint_spread']  # None: no spread (1 hypothesis)
        for n, inst in enumerate(insts):
            inst['keypoints_3d_online'] = inst['keypoints_3d']
            inst['keypoints_3d'] = disp[n].astype(float).tolist()
            inst['keypoint_spread'] = None if spread is None else \
                spread[n].astype(float).tolist()
    return records
