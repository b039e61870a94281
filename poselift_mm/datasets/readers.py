"""Readers for the lifting data files that users of MMPose, VideoPose3D,
DiffPose and ZeDO already have, returning one convention.

Our convention (MMPose's ``body3d`` annotation layout, which the registered
datasets in ``lifting_datasets.py`` consume): ``imgname`` (N,) str,
``center`` (N, 2) px and ``scale`` (N,) of the 2D box (centre, 1.2 *
longest side / 200), ``part`` (N, K, 3) pixels + visibility, ``S`` (N, K, 4)
camera-frame metres + visibility; optionally ``gmm`` (N, K, C, 5) DiffPose
mixtures.
Cameras are dicts shaped like MMPose's ``cameras.pkl`` entries: ``f``, ``c``
(2, 1) px, ``w``, ``h`` px and, where known, ``R`` (3, 3) camera -> world,
``T`` (3, 1) camera centre in metres, ``k`` (3, 1), ``p`` (2, 1).

Formats read (each reader's docstring names the code the format comes from):

* MMPose body3d npz + ``cameras.pkl`` (+ 2D detection ``.npy``):
  ``read_body3d_annotation``, ``read_keypoint_detections``,
  ``check_camera_table``.
* VideoPose3D ``data_3d_h36m.npz`` / ``data_2d_h36m_<src>.npz`` and DiffPose's
  GMM ``data_2d_h36m_*_gmm.npz``: ``read_videopose3d_3d``,
  ``read_h36m_2d_file``, ``videopose3d_to_body3d``.
* ZeDO ``h36m_test.pkl`` (+ ``h36m_sh_dt_ft.pkl``), ``mpii3d_test.pkl``,
  ``pw3d_test.npz``: ``read_zedo_h36m``, ``read_zedo_mpii3d``,
  ``read_zedo_pw3d``.

Every problem with a file raises ``DataFileError`` (a ``ValueError``) whose
message names the file, the key and the problem. Reading VideoPose3D, DiffPose
and ZeDO files unpickles them (their formats are pickles): only read files
you trust.
"""
import os.path as osp
import pickle
import re
import zipfile
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from poselift_mm.geometry import (CameraParamError, camera_from_pkl,
                                  check_camera, project_to_pixels,
                                  quaternion_to_matrix, world_to_camera)
from .h36m_format import camera_to_pkl_entry, h36m_imgname

# VideoPose3D common/h36m_dataset.py: ``remove_joints([4, 5, 9, 10, 11, 16,
# 20, 21, 22, 23, 24, 28, 29, 30, 31])`` keeps these 17 of the 32 mocap
# joints, already in MMPose's ``h36m`` order (pelvis, R hip/knee/foot, L
# hip/knee/foot, spine, thorax, neck/nose, head, L shoulder/elbow/wrist, R
# shoulder/elbow/wrist).
H36M32_TO_17 = (0, 1, 2, 3, 6, 7, 8, 12, 13, 14, 15, 17, 18, 19, 25, 26, 27)
# Camera order of VideoPose3D's per-camera lists (its ``cam_map``) and of the
# ``ca_01``..``ca_04`` folders of the Human3.6M preprocessing ZeDO uses.
VIDEOPOSE3D_CAMERA_IDS = ('54138969', '55011271', '58860488', '60457274')
# Human3.6M image size (w, h) per camera.
H36M_CAMERA_SIZES = {
    '54138969': (1000, 1002),
    '55011271': (1000, 1000),
    '58860488': (1000, 1000),
    '60457274': (1000, 1002),
}
# Human3.6M action ids 2..16 (the ``act_XX`` of the official release), named
# as VideoPose3D and MMPose name the videos.
H36M_ACTION_NAMES = {
    2: 'Directions', 3: 'Discussion', 4: 'Eating', 5: 'Greeting',
    6: 'Phoning', 7: 'Posing', 8: 'Purchases', 9: 'Sitting',
    10: 'SittingDown', 11: 'Smoking', 12: 'Photo', 13: 'Waiting',
    14: 'Walking', 15: 'WalkDog', 16: 'WalkTogether'
}
# ZeDO lib/dataset/pw3d.py ``order``: joint i of ``keypoints3d17_relative``
# is Human3.6M joint ZEDO_PW3D_TO_H36M[i].
ZEDO_PW3D_TO_H36M = (5, 2, 6, 3, 11, 14, 12, 15, 13, 16, 1, 4, 8, 10, 0, 7, 9)


class DataFileError(ValueError):
    """A data file is missing, lacks a key or holds bad values."""

    def __init__(self, path, key: Optional[str], problem: str):
        self.path, self.key, self.problem = str(path), key, problem
        where = self.path if key is None else f'{self.path}: key {key}'
        super().__init__(f'{where}: {problem}')


def _key(*parts) -> str:
    """'part' -> "'part'"; ('positions_2d', 'S1', 0) ->
    "positions_2d['S1'][0]"."""
    if len(parts) == 1:
        return repr(parts[0])
    return str(parts[0]) + ''.join(f'[{p!r}]' for p in parts[1:])


def _shape_str(shape) -> str:
    return '(' + ', '.join(str(s) for s in shape) + (
        ',)' if len(shape) == 1 else ')')


def check_array(arr, path, key: str, shape: Sequence[Optional[int]],
                joint_axis: Optional[int] = None,
                finite: bool = True) -> np.ndarray:
    """arr -> float64 array of ``shape`` (None: any size) and finite values.

    A wrong size on ``joint_axis`` is reported as a wrong joint count.
    """
    try:
        a = np.asarray(arr, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise DataFileError(path, key, f'not a numeric array ({e})') from None
    spec = _shape_str(['*' if s is None else s for s in shape])
    if a.ndim != len(shape):
        raise DataFileError(path, key, f'expected shape {spec}, got shape '
                            f'{_shape_str(a.shape)}')
    if joint_axis is not None and shape[joint_axis] is not None and \
            a.shape[joint_axis] != shape[joint_axis]:
        raise DataFileError(
            path, key, f'wrong joint count: expected {shape[joint_axis]} '
            f'joints, got {a.shape[joint_axis]} (shape '
            f'{_shape_str(a.shape)}, expected {spec})')
    if any(s is not None and s != n for s, n in zip(shape, a.shape)):
        raise DataFileError(path, key, f'expected shape {spec}, got shape '
                            f'{_shape_str(a.shape)}')
    if finite:
        bad = ~np.isfinite(a)
        if bad.any():
            first = tuple(int(i) for i in np.argwhere(bad)[0])
            raise DataFileError(
                path, key, f'{int(bad.sum())} non-finite values (NaN/inf), '
                f'the first at index {first}')
    return a


def _require_file(path) -> str:
    path = str(path)
    if not osp.isfile(path):
        raise DataFileError(path, None, 'file does not exist')
    return path


def load_npz(path, keys: Sequence[str] = (), optional: Sequence[str] = (),
             allow_pickle: bool = False) -> Dict[str, np.ndarray]:
    """.npz -> {key: array} for ``keys`` (all required) and ``optional``."""
    _require_file(path)
    try:
        data = np.load(path, allow_pickle=allow_pickle)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile,
            pickle.UnpicklingError) as e:
        raise DataFileError(path, None,
                            f'not a readable .npz archive ({e})') from None
    if not isinstance(data, np.lib.npyio.NpzFile):
        raise DataFileError(path, None, 'expected an .npz archive of named '
                            f'arrays, got a single {type(data).__name__}')
    with data:
        missing = [k for k in keys if k not in data.files]
        if missing:
            raise DataFileError(
                path, _key(missing[0]), f'missing (the file has keys '
                f'{sorted(data.files)}; required: {list(keys)})')
        try:
            return {k: data[k] for k in (*keys, *optional) if k in data.files}
        except ValueError as e:  # object arrays without allow_pickle
            raise DataFileError(path, None, f'cannot read arrays ({e})') \
                from None


def load_pickle(path):
    """Unpickle a (trusted) file, mapping read errors to DataFileError."""
    _require_file(path)
    try:
        with open(path, 'rb') as f:
            return pickle.load(f)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError,
            ImportError, ValueError) as e:
        raise DataFileError(path, None,
                            f'not a readable pickle ({e})') from None


def _object_item(value, path, key: str, kind=dict):
    """A 0-d object array (how np.savez stores a dict) -> the object."""
    obj = value.item() if isinstance(value, np.ndarray) and \
        value.dtype == object and value.ndim == 0 else value
    if not isinstance(obj, kind):
        raise DataFileError(path, _key(key), f'expected a pickled '
                            f'{kind.__name__}, got {type(obj).__name__}')
    return obj


# --------------------------------------------------------------------------
# MMPose body3d npz, detections, cameras, sequences
# --------------------------------------------------------------------------
BODY3D_KEYS = ('imgname', 'center', 'scale', 'part', 'S')


def read_body3d_annotation(path, num_keypoints: int = 17) -> dict:
    """MMPose body3d npz (H36M or MPI-INF-3DHP layout) -> checked arrays.

    imgname (N,) str, center (N, 2), scale (N,), part (N, K, 3) px + vis,
    S (N, K, 4) camera-frame metres + vis, optional gmm (N, K, C, 5).
    """
    raw = load_npz(path, BODY3D_KEYS, optional=('gmm', ))
    names = np.asarray(raw['imgname'])
    if names.ndim != 1 or names.dtype.kind not in 'US':
        raise DataFileError(path, _key('imgname'), 'expected a 1-D array of '
                            f'strings, got {names.dtype} shape '
                            f'{_shape_str(names.shape)}')
    n, k = len(names), num_keypoints
    ann = dict(
        imgname=names.astype(str),
        center=check_array(raw['center'], path, _key('center'), (n, 2)),
        scale=check_array(raw['scale'], path, _key('scale'), (n, )),
        part=check_array(raw['part'], path, _key('part'), (n, k, 3), 1),
        S=check_array(raw['S'], path, _key('S'), (n, k, 4), 1))
    if 'gmm' in raw:
        ann['gmm'] = check_gmm(raw['gmm'], path, _key('gmm'), n, k)
    return ann


def check_gmm(gmm, path, key: str, num_frames: Optional[int],
              num_keypoints: int) -> np.ndarray:
    """(T, K, C, 5) [pi, mu_u, mu_v, sigma_u, sigma_v] -> checked array."""
    g = check_array(gmm, path, key, (num_frames, num_keypoints, None, 5), 1)
    if g.shape[2] < 1:
        raise DataFileError(path, key, 'no mixture components (C = 0)')
    pi, sigma = g[..., 0], g[..., 3:]
    if (pi < 0).any() or (sigma < 0).any():
        raise DataFileError(path, key, 'negative mixture weight or sigma')
    err = np.abs(pi.sum(-1) - 1)
    if (err > 1e-3).any():
        first = tuple(int(i) for i in np.argwhere(err > 1e-3)[0])
        raise DataFileError(
            path, key, 'mixture weights (column 0) must sum to 1 over the '
            f'{g.shape[2]} components; frame/joint {first} sums to '
            f'{pi.sum(-1)[first]:.4f}')
    return g


def parse_h36m_imgnames(imgnames, path=None) -> Tuple[np.ndarray, ...]:
    """(N,) ``S1_Walking_1.54138969_000001.jpg``-like names (any folder
    prefix) -> subjects, actions, camera ids: three (N,) str arrays."""
    names = np.asarray(imgnames).astype(str)
    base = np.char.rpartition(names, '/')[..., 2]
    subj, sep1, rest = np.moveaxis(np.char.partition(base, '_'), -1, 0)
    action, sep2, rest = np.moveaxis(np.char.partition(rest, '.'), -1, 0)
    camera, sep3, _ = np.moveaxis(np.char.partition(rest, '_'), -1, 0)
    ok = (sep1 != '') & (sep2 != '') & (sep3 != '') & (subj != '') & \
        (action != '') & (camera != '')
    if not ok.all():
        i = int(np.argmin(ok))
        raise DataFileError(
            path, _key('imgname'), f'{int((~ok).sum())} names do not look '
            'like <subject>_<action>.<camera>_<frame>.jpg, e.g. row '
            f'{i}: {names[i]!r}')
    return subj, action, camera


def mpi_inf_3dhp_sequence_keys(imgnames) -> np.ndarray:
    """MMPose 3DHP names ``S4_Seq2_Cam0_001033.jpg`` / ``TS1_002001.jpg``
    -> (N,) video keys ``S4_Seq2_Cam0`` / ``TS1`` (its cameras.pkl keys)."""
    names = np.asarray(imgnames).astype(str)
    base = np.char.rpartition(names, '/')[..., 2]
    return np.char.rpartition(base, '_')[..., 0]


def read_keypoint_detections(path, num_frames: int,
                             num_keypoints: int = 17) -> np.ndarray:
    """MMPose's 2D detection .npy -> (N, K, 3) float32 px + score."""
    _require_file(path)
    try:
        det = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as e:
        raise DataFileError(path, None,
                            f'not a readable .npy array ({e})') from None
    if isinstance(det, np.lib.npyio.NpzFile):
        det.close()
        raise DataFileError(path, None, 'expected a single .npy array, got '
                            'an .npz archive')
    a = check_array(det, path, _key('keypoints'),
                    (None, num_keypoints, 3), 1)
    if len(a) != num_frames:
        raise DataFileError(
            path, _key('keypoints'), f'{len(a)} detection rows but the '
            f'annotation file has {num_frames} frames (row counts must '
            'match)')
    return a.astype(np.float32)


def check_camera_table(cameras, keys, path,
                       need: Sequence[str] = ('f', 'c', 'w', 'h')) -> None:
    """Every key of ``keys`` must have a camera with finite ``need`` fields."""
    if not isinstance(cameras, dict):
        raise DataFileError(path, None, 'expected a dict of cameras, got '
                            f'{type(cameras).__name__}')
    for key in keys:
        if key not in cameras:
            raise DataFileError(
                path, _key(key), 'no camera for this key, which the '
                f'annotations use ({len(cameras)} cameras in the file, '
                f'e.g. {sorted(cameras, key=str)[:4]})')
        cam = cameras[key]
        if not isinstance(cam, dict):
            raise DataFileError(path, _key(key), 'camera entry is a '
                                f'{type(cam).__name__}, not a dict')
        missing = [k for k in need if cam.get(k) is None]
        if missing:
            raise DataFileError(path, _key(key), f'camera lacks {missing}; '
                                f'it has {sorted(cam)}')
        try:
            check_camera(cam, need=[k for k in need if k not in ('w', 'h')])
        except (CameraParamError, ValueError) as e:
            raise DataFileError(path, _key(key), str(e)) from None
        for k in ('w', 'h'):
            if k in need and not (np.isfinite(float(cam[k]))
                                  and float(cam[k]) > 0):
                raise DataFileError(path, _key(key),
                                    f'camera {k!r} must be > 0, got '
                                    f'{cam[k]!r}')


def build_sequence_indices(keys, seq_len: int, seq_step: int = 1,
                           causal: bool = True, pad_video_seq: bool = False,
                           multiple_target: int = 0,
                           multiple_target_step: int = 0) -> List[List[int]]:
    """(N,) video keys -> frame index lists, as MMPose's
    ``Human36mDataset.get_sequence_indices`` builds them (videos in sorted
    key order; frames of a video in file order), without ``subset_frac``."""
    keys = np.asarray(keys)
    if seq_len < 1 or seq_step < 1:
        raise ValueError(f'seq_len ({seq_len}) and seq_step ({seq_step}) '
                         'must be >= 1')
    uniq, inverse = np.unique(keys, return_inverse=True)
    order = np.argsort(inverse, kind='stable')
    videos = np.split(order, np.cumsum(np.bincount(inverse))[:-1])
    if multiple_target > 0 and multiple_target_step == 0:
        multiple_target_step = multiple_target
    span = (seq_len - 1) * seq_step + 1
    out = []
    for idx in videos:
        n = len(idx)
        if multiple_target:
            count = max(0, (n + multiple_target_step - multiple_target) //
                        multiple_target_step)
            starts = np.arange(0, n, multiple_target_step)[:count]
            offsets = np.arange(0, multiple_target, seq_step)
            win = starts[:, None] + offsets[None]
        elif pad_video_seq:
            left = seq_len - 1 if causal else (seq_len - 1) // 2
            right = 0 if causal else left
            win = np.arange(n)[:, None] + seq_step * np.arange(
                -left, right + 1)[None]
            win = np.clip(win, 0, n - 1)
        else:
            win = np.arange(max(0, n - span + 1))[:, None] + \
                np.arange(0, span, seq_step)[None]
        out.extend(idx[win].tolist())
    return out


def body3d_arrays(imgnames, kpts_3d_m, kpts_2d_px, vis_2d=None,
                  vis_3d=None) -> dict:
    """MMPose body3d arrays from (N, K, 3) m, (N, K, 2) px, (N, K) vis."""
    kpts_2d_px = np.asarray(kpts_2d_px, dtype=np.float64)
    kpts_3d_m = np.asarray(kpts_3d_m, dtype=np.float64)
    shape = kpts_2d_px.shape[:2]
    vis_2d = np.ones(shape) if vis_2d is None else np.asarray(vis_2d, float)
    vis_3d = np.ones(shape) if vis_3d is None else np.asarray(vis_3d, float)
    lo, hi = kpts_2d_px.min(axis=1), kpts_2d_px.max(axis=1)
    return dict(
        imgname=np.asarray(imgnames).astype(str),
        center=(lo + hi) / 2,
        scale=1.2 * (hi - lo).max(axis=1) / 200,
        part=np.concatenate([kpts_2d_px, vis_2d[..., None]], axis=-1),
        S=np.concatenate([kpts_3d_m, vis_3d[..., None]], axis=-1))


def _h36m_imgnames(subject: str, action: str, camera_id: str,
                   frames: np.ndarray) -> np.ndarray:
    """(T,) 0-based frames -> (T,) MMPose H36M image names."""
    stem = h36m_imgname(subject, action, camera_id, 0)[:-len('000001.jpg')]
    numbers = np.char.zfill((np.asarray(frames) + 1).astype(str), 6)
    return np.char.add(np.char.add(stem, numbers), '.jpg')


def _concat(parts: List[dict]) -> dict:
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


# --------------------------------------------------------------------------
# VideoPose3D and DiffPose
# --------------------------------------------------------------------------
def read_videopose3d_3d(path, subjects: Optional[Sequence[str]] = None
                        ) -> Dict[str, Dict[str, np.ndarray]]:
    """VideoPose3D ``data_3d_h36m.npz`` -> {subject: {action: (T, 17, 3)}}
    world metres, z up, MMPose ``h36m`` joint order.

    Format (facebookresearch/VideoPose3D ``data/prepare_data_h36m.py``,
    read by ``common/h36m_dataset.py``): key ``positions_3d`` is a pickled
    dict subject ('S1', 'S5', ..., 'S11') -> action ('Directions',
    'Directions 1', ..., 'WalkDog 1'; S11 'Directions' dropped) -> float32
    (T, 32, 3) world metres at 50 Hz. The 17 kept joints are
    ``H36M32_TO_17``; (T, 17, 3) arrays are taken as already reduced.
    """
    raw = load_npz(path, ('positions_3d', ), allow_pickle=True)
    data = _object_item(raw['positions_3d'], path, 'positions_3d')
    if subjects is not None:
        absent = [s for s in subjects if s not in data]
        if absent:
            raise DataFileError(path, _key('positions_3d', absent[0]),
                                f'subject missing; the file has '
                                f'{sorted(data)}')
        data = {s: data[s] for s in subjects}
    out = {}
    for subject, actions in data.items():
        if not isinstance(actions, dict):
            raise DataFileError(path, _key('positions_3d', subject),
                                'expected a dict action -> (T, 32, 3)')
        out[subject] = {}
        for action, pos in actions.items():
            key = _key('positions_3d', subject, action)
            a = np.asarray(pos)
            if a.ndim == 3 and a.shape[1] == 32:
                a = a[:, H36M32_TO_17]
            elif not (a.ndim == 3 and a.shape[1] == 17):
                raise DataFileError(
                    path, key, 'wrong joint count: expected (T, 32, 3) '
                    f'(or (T, 17, 3)), got shape {_shape_str(a.shape)}')
            out[subject][action] = check_array(a, path, key, (None, 17, 3), 1)
    return out


def read_h36m_2d_file(path, num_keypoints: int = 17
                      ) -> Tuple[str, Dict[str, Dict[str, list]], dict]:
    """VideoPose3D / DiffPose 2D npz -> (kind, positions, metadata).

    ``kind`` 'keypoints': VideoPose3D ``data_2d_h36m_<src>.npz``
    (``data/prepare_data_h36m.py``, ``data/prepare_data_2d_h36m_sh.py``,
    ``data/tools/prepare_data_2d_h36m_generic.py``): ``positions_2d`` pickled
    dict subject -> action -> list over the 4 cameras
    (``VIDEOPOSE3D_CAMERA_IDS`` order) of float32 (T, K, 2) pixels (a third
    column is read as a score);
    ``metadata`` dict with ``num_joints``, ``keypoints_symmetry`` and, for
    detector outputs, ``layout_name``.

    ``kind`` 'gmm': DiffPose ``data_2d_h36m_gt_gmm.npz`` /
    ``data_2d_h36m_cpn_ft_h36m_dbb_gmm.npz`` (GONGJIA0208/Diffpose
    ``common/data_utils.py`` ``create_2d_data``, ``common/generators.py``
    ``PoseGenerator_gmm``): same nesting, each camera (T, K, C, 5) with
    per joint and component [pi, mu_u, mu_v, sigma_u, sigma_v]; mu in
    pixels, weights pi summing to 1 over C; ``metadata`` optional.

    Only 17-joint Human3.6M-ordered files are accepted: the 16-joint
    Stacked-Hourglass files and ``layout_name='coco'`` files are refused.
    """
    raw = load_npz(path, ('positions_2d', ), optional=('metadata', ),
                   allow_pickle=True)
    data = _object_item(raw['positions_2d'], path, 'positions_2d')
    meta = _object_item(raw['metadata'], path, 'metadata') \
        if 'metadata' in raw else {}
    if meta.get('num_joints', num_keypoints) != num_keypoints:
        raise DataFileError(
            path, _key('metadata', 'num_joints'), 'wrong joint count: '
            f"{meta['num_joints']} joints, expected {num_keypoints} (the "
            '16-joint Stacked-Hourglass files are not supported)')
    if meta.get('layout_name', 'h36m') not in ('h36m', 'h36m_17'):
        raise DataFileError(
            path, _key('metadata', 'layout_name'),
            f"joint layout {meta['layout_name']!r} is not the Human3.6M "
            'order; convert the keypoints to h36m order first')
    kind, out = None, {}
    for subject, actions in data.items():
        if not isinstance(actions, dict):
            raise DataFileError(path, _key('positions_2d', subject),
                                'expected a dict action -> list of cameras')
        out[subject] = {}
        for action, cams in actions.items():
            if not isinstance(cams, (list, tuple)):
                raise DataFileError(path, _key('positions_2d', subject,
                                               action),
                                    'expected a list with one array per '
                                    f'camera, got {type(cams).__name__}')
            arrays = []
            for i, arr in enumerate(cams):
                key = _key('positions_2d', subject, action, i)
                if arr is None:
                    raise DataFileError(path, key, 'camera missing (None)')
                a = np.asarray(arr)
                this = 'gmm' if a.ndim == 4 else 'keypoints'
                kind = kind or this
                if this != kind:
                    raise DataFileError(path, key, 'mixes GMM (T, K, C, 5) '
                                        'and keypoint (T, K, 2) arrays')
                if kind == 'gmm':
                    arrays.append(check_gmm(a, path, key, None,
                                            num_keypoints))
                else:
                    a = check_array(a, path, key, (None, num_keypoints,
                                                   a.shape[-1]), 1)
                    if a.shape[-1] not in (2, 3):
                        raise DataFileError(
                            path, key, 'expected (T, K, 2) pixels or '
                            f'(T, K, 3) with a score, got '
                            f'{_shape_str(a.shape)}')
                    arrays.append(a)
            out[subject][action] = arrays
    return kind or 'keypoints', out, meta


def videopose3d_to_body3d(positions_3d: Dict[str, Dict[str, np.ndarray]],
                          cameras: dict,
                          positions_2d: Optional[dict] = None,
                          kind: str = 'keypoints',
                          frame_stride: int = 1,
                          paths: Sequence = ('data_3d', 'data_2d',
                                             'cameras')) -> dict:
    """World 3D (+ 2D or GMM) per video -> MMPose body3d arrays (+ gmm).

    One row per (subject, action, camera, frame), cameras in
    ``VIDEOPOSE3D_CAMERA_IDS`` order, looked up as ``cameras[(subject, id)]``
    (MMPose's ``cameras.pkl``: ``X_cam = R.T @ (X_world - T)``). Image names
    follow MMPose (``S1/S1_Directions_1.54138969/..._000001.jpg``, spaces in
    actions become '_'). 2D longer than the mocap is cut to it, as VideoPose3D
    does; without 2D, the 3D is projected with the camera's distortion (what
    VideoPose3D's ``data_2d_h36m_gt`` holds). GMM ``keypoints`` are the
    means of component 0 (DiffPose: the 2D equals VideoPose3D's).
    """
    path3d, path2d, pathcam = (str(p) for p in paths)
    if frame_stride < 1:
        raise ValueError(f'frame_stride must be >= 1, got {frame_stride}')
    check_camera_table(
        cameras, [(s, c) for s in sorted(positions_3d)
                  for c in VIDEOPOSE3D_CAMERA_IDS], pathcam,
        need=('f', 'c', 'R', 'T', 'w', 'h'))
    parts = []
    for subject in sorted(positions_3d):
        for action in sorted(positions_3d[subject]):
            world = positions_3d[subject][action]
            if positions_2d is not None:
                cams_2d = positions_2d.get(subject, {}).get(action)
                if cams_2d is None:
                    raise DataFileError(
                        path2d, _key('positions_2d', subject, action),
                        'missing, but the 3D file has this video')
                if len(cams_2d) != len(VIDEOPOSE3D_CAMERA_IDS):
                    raise DataFileError(
                        path2d, _key('positions_2d', subject, action),
                        f'{len(cams_2d)} cameras, expected '
                        f'{len(VIDEOPOSE3D_CAMERA_IDS)}')
            frames = np.arange(0, len(world), frame_stride)
            for i, cam_id in enumerate(VIDEOPOSE3D_CAMERA_IDS):
                try:
                    cam = camera_from_pkl(cameras, subject, cam_id)
                except (CameraParamError, ValueError) as e:
                    raise DataFileError(pathcam, _key((subject, cam_id)),
                                        str(e)) from None
                x_cam = world_to_camera(world[frames], cam['R'], cam['T'])
                part = dict(imgname=_h36m_imgnames(
                    subject, action.replace(' ', '_'), cam_id, frames))
                vis = None
                if positions_2d is None:
                    try:
                        uv = project_to_pixels(x_cam, cam['f'], cam['c'],
                                               cam.get('k'), cam.get('p'))
                    except ValueError as e:
                        raise DataFileError(
                            path3d, _key('positions_3d', subject, action),
                            f'camera {cam_id}: {e}') from None
                else:
                    arr = cams_2d[i]
                    if len(arr) < len(world):
                        raise DataFileError(
                            path2d, _key('positions_2d', subject, action, i),
                            f'{len(arr)} frames but the 3D file has '
                            f'{len(world)}')
                    arr = arr[frames]
                    if kind == 'gmm':
                        uv = arr[:, :, 0, 1:3]
                        part['gmm'] = arr
                    else:
                        uv = arr[..., :2]
                        vis = arr[..., 2] if arr.shape[-1] > 2 else None
                part.update(body3d_arrays(part['imgname'], x_cam, uv, vis))
                parts.append(part)
    if not parts:
        raise DataFileError(path3d, _key('positions_3d'), 'no videos left '
                            '(empty file or subject filter)')
    return _concat(parts)


def videopose3d_camera_to_pkl_entry(orientation, translation, center,
                                    focal_length, radial_distortion,
                                    tangential_distortion, res_w: int,
                                    res_h: int, id: str = None) -> dict:
    """One camera as VideoPose3D's ``h36m_dataset.py`` tables give it (raw
    values, before its normalisation) -> an MMPose ``cameras.pkl`` entry.

    ``orientation`` (w, x, y, z) rotates camera -> world (VideoPose3D's
    ``world_to_camera`` applies its inverse to ``X - t``), ``translation`` is
    the camera centre in mm, ``center``/``focal_length`` are pixels.
    VideoPose3D orders the tangential coefficients (p2, p1) relative to
    MMPose's ``p``.
    """
    r_cam_to_world = quaternion_to_matrix(orientation)
    cam = dict(R=r_cam_to_world.T,
               T=np.asarray(translation, dtype=np.float64) / 1000.0,
               f=focal_length, c=center, k=radial_distortion,
               p=np.asarray(tangential_distortion, dtype=np.float64)[::-1],
               w=res_w, h=res_h)
    if id is not None:
        cam['id'] = str(id)
    return camera_to_pkl_entry(cam)


# --------------------------------------------------------------------------
# ZeDO
# --------------------------------------------------------------------------
def _items(path, data, required: Sequence[str]) -> list:
    if not isinstance(data, (list, tuple)):
        raise DataFileError(path, None, 'expected a list of per-frame dicts, '
                            f'got {type(data).__name__}')
    if not data:
        raise DataFileError(path, None, 'no frames')
    for i, item in enumerate(data):
        if not isinstance(item, dict):
            raise DataFileError(path, f'[{i}]', 'expected a dict, got '
                                f'{type(item).__name__}')
        missing = [k for k in required if k not in item]
        if missing:
            raise DataFileError(path, f'[{i}][{missing[0]!r}]',
                                f'missing from item {i} (it has '
                                f'{sorted(item)})')
    return list(data)


def _stack(path, items, key: str, shape, joint_axis=None, scale=1.0):
    try:
        arr = np.stack([np.asarray(it[key], dtype=np.float64)
                        for it in items])
    except (ValueError, TypeError) as e:
        raise DataFileError(path, f'[*][{key!r}]', 'items disagree in shape '
                            f'or are not numeric ({e})') from None
    return check_array(arr, path, f'[*][{key!r}]', (len(items), ) + shape,
                       joint_axis) * scale


def _intrinsics(path, items) -> np.ndarray:
    """(N, 4) fx, fy, cx, cy from each item's ``camera_param`` dict."""
    rows = []
    for i, it in enumerate(items):
        cam = it['camera_param']
        if not isinstance(cam, dict):
            raise DataFileError(path, f"[{i}]['camera_param']",
                                'expected a dict with fx, fy, cx, cy')
        missing = [k for k in ('fx', 'fy', 'cx', 'cy') if k not in cam]
        if missing:
            raise DataFileError(path, f"[{i}]['camera_param'][{missing[0]!r}]",
                                f'missing (it has {sorted(cam)})')
        try:
            rows.append([float(np.asarray(cam[k]).reshape(-1)[0])
                         for k in ('fx', 'fy', 'cx', 'cy')])
        except (ValueError, TypeError, IndexError) as e:
            raise DataFileError(path, f"[{i}]['camera_param']",
                                f'fx, fy, cx, cy must be numbers ({e})') \
                from None
    return check_array(rows, path, "[*]['camera_param']", (len(items), 4))


def _int_field(path, items, key: str) -> np.ndarray:
    """(N,) ints of ``item[key]`` (a leading 'S' of subjects is dropped)."""
    out = np.empty(len(items), dtype=np.int64)
    for i, it in enumerate(items):
        v = it[key]
        try:
            out[i] = int(v[1:]) if isinstance(v, str) and v[:1] == 'S' \
                else int(np.asarray(v).reshape(-1)[0])
        except (ValueError, TypeError, IndexError):
            raise DataFileError(path, f'[{i}][{key!r}]',
                                f'expected an integer, got {v!r}') from None
    return out


def _camera_table(fc: np.ndarray, wh: np.ndarray
                  ) -> Tuple[np.ndarray, List[dict]]:
    """Per-frame (N, 4) fx, fy, cx, cy and (N, 2) w, h -> (N,) camera index
    and the list of distinct cameras (f, c (2, 1), w, h)."""
    rows = np.concatenate([fc, wh], axis=1)
    uniq, index = np.unique(rows, axis=0, return_inverse=True)
    cams = [dict(f=row[:2].reshape(2, 1), c=row[2:4].reshape(2, 1),
                 w=int(row[4]), h=int(row[5])) for row in uniq]
    return index.reshape(-1), cams


def _subset_from_name(path) -> str:
    m = re.match(r'h36m_(\w+?)\.pkl$', osp.basename(str(path)))
    return m.group(1) if m else 'test'


def read_zedo_h36m(path, det_path=None, det_subset: Optional[str] = None
                   ) -> Tuple[dict, List[dict]]:
    """ZeDO / GFPose ``h36m_<subset>.pkl`` (+ ``h36m_sh_dt_ft.pkl``) ->
    (body3d arrays + ``camera_index`` (N,), cameras).

    Format (ipl-uw/ZeDO-Release ``lib/dataset/h36m.py``; written by the
    Human3.6M preprocessing of pose.pytorch): a list of per-frame dicts with
    ``joint_3d_camera`` (17, 3) camera-frame mm, ``joint_3d_image`` (17, 3)
    [u, v] undistorted pinhole pixels + root-relative depth scaled to the
    box, ``camera_param`` dict ``fx``, ``fy``, ``cx``, ``cy`` (1-element
    arrays), ``name`` (camera id), ``R`` (3, 3) world -> camera, ``T`` (3, 1)
    camera centre mm, ``k``, ``p``; ``subject`` (int), ``action`` (int 2..16),
    ``subaction``, ``imageid`` (0-based), ``cameraid`` (0..3), ``videoid``,
    ``image_path``, ``box``, ``center``, ``scale``, ``root_depth`` (mm).
    Joints in MMPose's ``h36m`` order. The detection pickle is a dict
    subset -> ``joint3d_image`` (N, 17, >=2) px, ``confidence`` (N, 17, 1),
    rows aligned with the annotation list.

    Image names are MMPose-style, built from subject, action name, subaction
    and camera (``S9/S9_Directions_1.54138969/S9_Directions_1.54138969_000001
    .jpg``, frame = imageid + 1), so MMPose groups videos and actions.
    """
    items = _items(path, load_pickle(path), (
        'joint_3d_camera', 'joint_3d_image', 'camera_param', 'subject',
        'action', 'subaction', 'imageid'))
    n = len(items)
    x_cam = _stack(path, items, 'joint_3d_camera', (17, 3), 1, 1e-3)
    img3d = _stack(path, items, 'joint_3d_image', (17, 3), 1)
    fc = _intrinsics(path, items)
    ids = np.stack([_int_field(path, items, k) for k in (
        'subject', 'action', 'subaction', 'imageid')], axis=1)
    bad = ~np.isin(ids[:, 1], list(H36M_ACTION_NAMES))
    if bad.any():
        i = int(np.argmax(bad))
        raise DataFileError(path, f"[{i}]['action']", 'unknown Human3.6M '
                            f'action id {ids[i, 1]} (expected 2..16)')
    cam_ids = []
    for i, it in enumerate(items):
        name = it['camera_param'].get('name')
        if name is None and 'cameraid' in it:
            name = VIDEOPOSE3D_CAMERA_IDS[int(it['cameraid'])]
        if str(name) not in H36M_CAMERA_SIZES:
            raise DataFileError(path, f"[{i}]['camera_param']['name']",
                                f'unknown Human3.6M camera {name!r}')
        cam_ids.append(str(name))
    cam_ids = np.array(cam_ids)
    subjects = np.char.add('S', ids[:, 0].astype(str))
    actions = np.char.add(
        np.char.add(np.array([H36M_ACTION_NAMES[a] for a in ids[:, 1]]), '_'),
        ids[:, 2].astype(str))
    seq = np.char.add(np.char.add(np.char.add(subjects, '_'), actions),
                      np.char.add('.', cam_ids))
    base = np.char.add(np.char.add(seq, '_'),
                       np.char.zfill((ids[:, 3] + 1).astype(str), 6))
    names = np.char.add(np.char.add(np.char.add(subjects, '/'), seq),
                        np.char.add(np.char.add('/', base), '.jpg'))
    uv, vis = img3d[..., :2], None
    if det_path is not None:
        dets = load_pickle(det_path)
        subset = det_subset or _subset_from_name(path)
        if not isinstance(dets, dict) or subset not in dets:
            has = sorted(dets) if isinstance(dets, dict) else \
                type(dets).__name__
            raise DataFileError(det_path, _key(subset), 'subset missing (the '
                                'file should be a dict subset -> arrays; '
                                f'it has {has})')
        part = dets[subset]
        for k in ('joint3d_image', 'confidence'):
            if k not in part:
                raise DataFileError(det_path, _key(subset, k), 'missing')
        dt = np.asarray(part['joint3d_image'])
        dt = check_array(dt, det_path, _key(subset, 'joint3d_image'),
                         (None, 17, dt.shape[-1] if dt.ndim == 3 else 2), 1)
        conf = check_array(part['confidence'], det_path,
                           _key(subset, 'confidence'), (None, 17, 1), 1)
        if len(dt) != n or len(conf) != n:
            raise DataFileError(
                det_path, _key(subset, 'joint3d_image'), f'{len(dt)} '
                f'detections and {len(conf)} confidences but {path} has {n} '
                'frames (row counts must match)')
        uv, vis = dt[..., :2], conf[..., 0]
    ann = body3d_arrays(names, x_cam, uv, vis)
    # cameras: intrinsics per (subject, camera); extrinsics if well-formed
    wh = np.array([H36M_CAMERA_SIZES[c] for c in cam_ids], dtype=np.float64)
    extra = []
    for (s, c), it in zip(zip(subjects, cam_ids), items):
        cam = it['camera_param']
        e = dict(name=c, id=c, subject=str(s))
        try:
            r = np.asarray(cam['R'], dtype=np.float64).reshape(3, 3)
            t = np.asarray(cam['T'], dtype=np.float64).reshape(3, 1)
            if np.isfinite(r).all() and np.isfinite(t).all():
                e.update(R=r.T.copy(), T=t / 1000.0)
        except (KeyError, ValueError, TypeError):
            pass
        extra.append(e)
    # one camera per (subject, camera id)
    index, cams = _camera_table_keyed(path, fc, wh,
                                      np.char.add(subjects, cam_ids), extra)
    ann['camera_index'] = index
    return ann, cams


def _camera_table_keyed(path, fc, wh, key, extra):
    """Like ``_camera_table`` but one camera per ``key`` value; frames that
    share a key must share intrinsics."""
    _, first, index = np.unique(key, return_index=True, return_inverse=True)
    index = index.reshape(-1)
    rows = np.concatenate([fc, wh], axis=1)
    diff = np.abs(rows - rows[first][index]).max(axis=1)
    if (diff > 1e-6).any():
        i = int(np.argmax(diff))
        raise DataFileError(
            path, f"[{i}]['camera_param']", f'intrinsics {rows[i, :4]} differ '
            f'from {rows[first][index][i, :4]} of another frame of camera '
            f'{key[i]}')
    cams = []
    for i in first:
        cam = dict(f=fc[i, :2].reshape(2, 1), c=fc[i, 2:].reshape(2, 1),
                   w=int(wh[i, 0]), h=int(wh[i, 1]))
        cam.update(extra[i])
        cams.append(cam)
    return index, cams


def read_zedo_mpii3d(path, valid_only: bool = True
                     ) -> Tuple[dict, List[dict]]:
    """ZeDO ``mpii3d_test.pkl`` -> (body3d arrays + ``camera_index``,
    cameras).

    Format (ipl-uw/ZeDO-Release ``lib/dataset/mpii3dHP.py``): a list of
    per-frame dicts with ``joint_3d_camera`` (17, 3) camera-frame mm,
    ``joint_2d`` (17, 3) (u, v px used), ``camera_param`` dict ``fx``,
    ``fy``, ``cx``, ``cy``, ``w``, ``h`` image size, ``imageid``,
    ``valid_i`` (1: a valid test frame; ZeDO evaluates only those),
    ``action`` (activity 1..7). Joints in MMPose's ``h36m`` order (ZeDO roots
    at joint 0 and flips with the Human3.6M left/right lists).
    """
    items = _items(path, load_pickle(path), (
        'joint_3d_camera', 'joint_2d', 'camera_param', 'w', 'h', 'imageid'))
    if valid_only and all('valid_i' in it for it in items):
        keep = [i for i, it in enumerate(items) if int(it['valid_i']) == 1]
        if not keep:
            raise DataFileError(path, "[*]['valid_i']", 'no valid frames')
        items = [items[i] for i in keep]
    x_cam = _stack(path, items, 'joint_3d_camera', (17, 3), 1, 1e-3)
    j2d = _stack(path, items, 'joint_2d', (17, None), 1)
    if j2d.shape[-1] < 2:
        raise DataFileError(path, "[*]['joint_2d']", 'expected (17, 2) or '
                            f'(17, 3), got {_shape_str(j2d.shape[1:])}')
    fc = _intrinsics(path, items)
    wh = check_array([[it['w'], it['h']] for it in items], path,
                     "[*]['w'/'h']", (len(items), 2))
    names = np.array([
        it['imageid'] if isinstance(it['imageid'], str) else
        f"mpii3d_{int(it['imageid']):06d}.jpg" for it in items])
    ann = body3d_arrays(names, x_cam, j2d[..., :2])
    index, cams = _camera_table(fc, wh)
    ann['camera_index'] = index
    return ann, cams


def read_zedo_pw3d(path) -> Tuple[dict, List[dict]]:
    """ZeDO ``pw3d_test.npz`` -> (body3d arrays + ``camera_index``, cameras).

    Format (ipl-uw/ZeDO-Release ``lib/dataset/pw3d.py``): keys
    ``keypoints3d17_relative`` (N, 17, >=3) root-relative metres (first 3
    columns used), ``root_cam`` (N, 3) root in the camera frame, metres,
    ``cam_param`` pickled dict ``f`` (N, 2), ``c`` (N, 2) px,
    ``image_width``/``image_height`` (N,), ``image_path`` (N,). Joint i is
    Human3.6M joint ``ZEDO_PW3D_TO_H36M[i]`` (ZeDO's ``order_change``); 2D is
    the pinhole projection of the 3D, as ZeDO computes it.
    """
    raw = load_npz(path, ('keypoints3d17_relative', 'root_cam', 'cam_param',
                          'image_width', 'image_height', 'image_path'),
                   allow_pickle=True)
    rel = np.asarray(raw['keypoints3d17_relative'])
    n = len(rel)
    rel = check_array(rel, path, _key('keypoints3d17_relative'),
                      (n, 17, rel.shape[-1] if rel.ndim == 3 else 3), 1)
    if rel.shape[-1] < 3:
        raise DataFileError(path, _key('keypoints3d17_relative'),
                            'expected at least 3 columns (x, y, z)')
    root = check_array(raw['root_cam'], path, _key('root_cam'), (n, 3))
    cam = _object_item(raw['cam_param'], path, 'cam_param')
    for k in ('f', 'c'):
        if k not in cam:
            raise DataFileError(path, _key('cam_param', k), 'missing')
    f = check_array(cam['f'], path, _key('cam_param', 'f'), (n, 2))
    c = check_array(cam['c'], path, _key('cam_param', 'c'), (n, 2))
    wh = np.stack([
        check_array(raw['image_width'], path, _key('image_width'), (n, )),
        check_array(raw['image_height'], path, _key('image_height'), (n, ))
    ], axis=1)
    x_file = rel[..., :3] + root[:, None]
    x_cam = x_file[:, np.argsort(ZEDO_PW3D_TO_H36M)]
    z = x_cam[..., 2:]
    if (z <= 0).any():
        i = tuple(int(v) for v in np.argwhere(z[..., 0] <= 0)[0])
        raise DataFileError(path, _key('root_cam'), 'joints behind the '
                            f'camera (z <= 0), first at frame/joint {i}')
    uv = x_cam[..., :2] / z * f[:, None] + c[:, None]
    names = np.asarray(raw['image_path']).astype(str)
    if names.shape != (n, ):
        raise DataFileError(path, _key('image_path'), f'expected ({n},) '
                            f'paths, got {_shape_str(names.shape)}')
    ann = body3d_arrays(names, x_cam, uv)
    index, cams = _camera_table(np.concatenate([f, c], axis=1), wh)
    ann['camera_index'] = index
    return ann, cams
