"""Mocap sequences -> MMPose Human3.6M-format files (``convert_to_h36m``;
from the files themselves: ``convert_mocap_files``, the converter tool's
one call).

Each sequence is placed in the world of the real Human3.6M cameras
(``placement``), resampled, projected with lens distortion and written with
the ``h36m_format`` writers, optionally with a detector-like noisy copy of
the 2D keypoints (``noise``).
"""
import logging
import os.path as osp
import time
from typing import (Dict, Iterable, List, Mapping, Optional, Sequence, Tuple,
                    Union)

import numpy as np

from poselift_mm.geometry import (CameraParamError, camera_from_pkl,
                                  project_to_pixels, world_to_camera)
from poselift_mm.utils.datafile import DataFileError, load_pickle
from poselift_mm.utils.io import atomic_path
from ..h36m_format import (H36M_CAMERA_IDS, h36m_imgname,
                           make_h36m_annotation, save_cameras,
                           save_h36m_annotation)
from .bvh import bvh_sequence
from .expmap import expmap_sequences, select_expmap_keys
from .noise import DetectionNoise, keyed_rng
from .placement import capture_centre, place_sequence
from .sequence import MocapSequence, resample

logger = logging.getLogger(__name__)

H36M_VIDEO_FPS = 50.0
DEFAULT_SPLITS = {'train': ('S1', 'S5', 'S6', 'S7'), 'val': ('S8', )}


def load_cameras_pkl(path: str) -> dict:
    """MMPose's ``cameras.pkl`` -> its dict keyed by (subject, camera_id)."""
    cams = load_pickle(path)
    if not isinstance(cams, dict):
        raise DataFileError(path, None, 'expected a dict keyed by (subject, '
                            f'camera_id), got {type(cams).__name__}')
    return cams


def subject_cameras(cameras_pkl: dict, path: str, subject: str,
                    camera_ids: Sequence[str]) -> List[dict]:
    """``camera_from_pkl`` for each id, ValueError naming file and key."""
    out = []
    for cam_id in camera_ids:
        try:
            cam = camera_from_pkl(cameras_pkl, subject, cam_id)
        except CameraParamError as err:
            raise ValueError(f'{path}: key {(subject, cam_id)}: {err}') \
                from None
        for key in ('w', 'h'):
            if key not in cam:
                raise ValueError(f"{path}: key {(subject, cam_id)}: no image "
                                 f"size '{key}'")
        cam['id'] = str(cam_id)
        out.append(cam)
    return out


def _fps_label(fps: float) -> str:
    return f'fps{int(fps)}' if float(fps).is_integer() else f'fps{fps:g}'


def convert_to_h36m(sequences: Iterable[MocapSequence],
                    out_dir: str,
                    cameras_pkl: str,
                    splits: Optional[Dict[str, Sequence[str]]] = None,
                    camera_ids: Sequence[str] = H36M_CAMERA_IDS,
                    camera_subject: Optional[str] = None,
                    fps: float = 50.0,
                    max_frames: Optional[int] = None,
                    noise: Optional[DetectionNoise] = DetectionNoise(),
                    seed: int = 0,
                    margin_px: float = 10.0,
                    yaw_deg: Optional[float] = None,
                    progress: bool = True,
                    total: Optional[int] = None) -> dict:
    """Place, project and write ``sequences`` in MMPose's H36M layout.

    Writes under ``out_dir``: ``annotation_body3d/<fpsN>/h36m_<split>.npz``,
    ``annotation_body3d/cameras.pkl`` (the real cameras used, keyed by the
    output subject) and, unless ``noise`` is None,
    ``joint_2d_det_files/<fpsN>/h36m_<split>_noisy.npy`` ((N, 17, 3), rows
    as in the annotation). ``splits``: {split: subjects}; None puts every
    subject in 'train'; subjects of no split are skipped. ``camera_subject``:
    whose real cameras to use (default each sequence's own subject).
    ``max_frames`` caps the output frames per sequence. Returns
    ``{'paths': {...}, 'sequences': [...], 'frames': {split: N}}``.
    """
    from tqdm import tqdm
    cams_all = load_cameras_pkl(cameras_pkl)
    camera_ids = [str(c) for c in camera_ids]
    if not camera_ids:
        raise ValueError('camera_ids is empty')
    label = _fps_label(fps)
    step = H36M_VIDEO_FPS / fps
    per_split: Dict[str, dict] = {}
    used_cams: Dict[Tuple[str, str], dict] = {}
    centres: Dict[str, np.ndarray] = {}
    report = []
    if total is None and hasattr(sequences, '__len__'):
        total = len(sequences)
    seq_iter = tqdm(sequences, desc='mocap -> h36m', unit='seq',
                    total=total, disable=not progress)
    for seq in seq_iter:
        split = 'train' if splits is None else next(
            (s for s, subj in splits.items() if seq.subject in subj), None)
        if split is None:
            continue
        seq_iter.set_postfix_str(f'{seq.subject} {seq.action}')
        cam_subject = camera_subject or seq.subject
        cams = subject_cameras(cams_all, cameras_pkl, cam_subject, camera_ids)
        if cam_subject not in centres:
            centres[cam_subject] = capture_centre(cams)[0]
        world, info = place_sequence(
            seq, cams, keyed_rng(seed, 'place', seq.subject, seq.action),
            margin_px, yaw_deg, centres[cam_subject])
        world, src_idx = resample(world, seq.fps, fps)
        if max_frames is not None:
            world, src_idx = world[:max_frames], src_idx[:max_frames]
        acc = per_split.setdefault(split, dict(names=[], s=[], uv=[], det=[]))
        for cam in cams:
            used_cams[(seq.subject, cam['id'])] = cam
        inside = _project_views(seq, world, cams, cam_subject, step, acc,
                                noise, seed)
        report.append(dict(subject=seq.subject, action=seq.action,
                           split=split, source=seq.source,
                           frames=len(world),
                           visible_frac=float(inside.mean()), **info))
        if not inside.all():
            logger.warning('%s: %d of %d frames leave an image', seq.source,
                           (~inside).sum(), len(inside))
    if not per_split:
        raise ValueError('no sequence belongs to any split '
                         f'{dict(splits or {})}')
    paths, counts = {}, {}
    for split, acc in per_split.items():
        paths.update(_write_split(out_dir, label, split, acc,
                                  noise is not None))
        counts[split] = len(acc['names'])
    paths['cameras'] = osp.join(out_dir, 'annotation_body3d', 'cameras.pkl')
    save_cameras(paths['cameras'], used_cams)
    return dict(paths=paths, sequences=report, frames=counts)


def convert_mocap_files(out_dir: str,
                        cameras_pkl: str,
                        expmap: Optional[str] = None,
                        skeleton: Optional[str] = None,
                        bvh: Optional[Sequence[str]] = None,
                        bvh_unit='auto',
                        subjects: Optional[Sequence[str]] = None,
                        actions: Optional[Sequence[str]] = None,
                        drop_duplicates: bool = True,
                        splits: Optional[Dict[str, Sequence[str]]] = None,
                        noise: Union[None, DetectionNoise, Mapping] = None,
                        **kwargs) -> dict:
    """``convert_to_h36m`` of an exp-map npz (``expmap`` with its
    ``skeleton``: ``select_expmap_keys`` of ``subjects`` x ``actions``) or
    of ``bvh`` files (``bvh_sequence`` with ``bvh_unit``).

    ``splits`` None: ``DEFAULT_SPLITS`` for exp maps, every BVH file in
    'train'. ``noise``: None (no detection file), a ``DetectionNoise`` or
    its fields. ``kwargs`` go to ``convert_to_h36m``. Returns its result
    with ``seconds``, the time of the conversion itself.
    """
    if isinstance(noise, Mapping):
        noise = DetectionNoise(**noise)
    if expmap:
        if splits is None:
            splits = {k: list(v) for k, v in DEFAULT_SPLITS.items()}
        keys = select_expmap_keys(expmap, subjects, actions,
                                  drop_duplicates=drop_duplicates)
        seqs, total = expmap_sequences(expmap, skeleton, keys), len(keys)
    else:
        seqs = (bvh_sequence(f, bvh_unit) for f in bvh)
        total = len(bvh)
    start = time.time()
    result = convert_to_h36m(seqs, out_dir, cameras_pkl, splits=splits,
                             noise=noise, total=total, **kwargs)
    result['seconds'] = time.time() - start
    return result


def _project_views(seq: MocapSequence, world: np.ndarray, cams: List[dict],
                   cam_subject: str, step: float, acc: dict,
                   noise: Optional[DetectionNoise], seed: int) -> np.ndarray:
    """Append the views of ``world`` (T, 17, 3) m through ``cams`` to
    ``acc`` (image names, camera-frame 3D, 2D px, noisy detections) ->
    (T,) bool: the frame is inside every image. ``step``: video frames per
    output frame (names count video frames when it is an integer)."""
    frames = np.arange(len(world))
    if float(step).is_integer():
        frames = frames * int(step)
    inside = np.ones(len(world), bool)
    for cam in cams:
        x_cam = world_to_camera(world, cam['R'], cam['T'])
        if (x_cam[..., 2] <= 0).any():
            raise ValueError(f'{seq.source}: placed pose is behind '
                             f"camera {cam_subject}/{cam['id']}")
        uv = project_to_pixels(x_cam, cam['f'], cam['c'], cam.get('k'),
                               cam.get('p'))
        inside &= ((uv >= 0) & (uv <= [cam['w'], cam['h']])).all((1, 2))
        acc['names'] += [
            h36m_imgname(seq.subject, seq.action, cam['id'], int(i))
            for i in frames
        ]
        acc['s'].append(x_cam)
        acc['uv'].append(uv)
        if noise is not None:
            rng = keyed_rng(seed, 'noise', seq.subject, seq.action, cam['id'])
            acc['det'].append(noise.apply(uv, rng).astype(np.float32))
    return inside


def _write_split(out_dir: str, label: str, split: str, acc: dict,
                 with_noise: bool) -> Dict[str, str]:
    """Write one split's annotation npz (and noisy detections .npy) ->
    ``{split: path, '<split>_detection': path}``."""
    ann = make_h36m_annotation(acc['names'], np.concatenate(acc['s']),
                               np.concatenate(acc['uv']))
    ann = {k: (v.astype(np.float32) if v.dtype.kind == 'f' else v)
           for k, v in ann.items()}
    path = osp.join(out_dir, 'annotation_body3d', label, f'h36m_{split}.npz')
    save_h36m_annotation(path, ann)
    paths = {split: path}
    if with_noise:
        det_path = osp.join(out_dir, 'joint_2d_det_files', label,
                            f'h36m_{split}_noisy.npy')
        with atomic_path(det_path) as tmp:
            with open(tmp, 'wb') as f:
                np.save(f, np.concatenate(acc['det']))
        paths[f'{split}_detection'] = det_path
    return paths
