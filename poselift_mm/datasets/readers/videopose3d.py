"""VideoPose3D's Human3.6M files and DiffPose's GMM 2D files -> our
convention (``body3d_arrays``), and VideoPose3D's camera tables -> MMPose
``cameras.pkl`` entries.
"""
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from poselift_mm.geometry import (CameraParamError, camera_from_pkl,
                                  project_to_pixels, quaternion_to_matrix,
                                  world_to_camera)
from poselift_mm.utils.datafile import (DataFileError, check_array,
                                        format_key, load_npz, object_item,
                                        shape_str)
from ..h36m_format import (H36M_CAMERA_IDS, body3d_arrays,
                           camera_to_pkl_entry, h36m_imgnames)
from .body3d import check_camera_table, check_gmm

# VideoPose3D common/h36m_dataset.py: ``remove_joints([4, 5, 9, 10, 11, 16,
# 20, 21, 22, 23, 24, 28, 29, 30, 31])`` keeps these 17 of the 32 mocap
# joints, already in MMPose's ``h36m`` order (pelvis, R hip/knee/foot, L
# hip/knee/foot, spine, thorax, neck/nose, head, L shoulder/elbow/wrist, R
# shoulder/elbow/wrist).
H36M32_TO_17 = (0, 1, 2, 3, 6, 7, 8, 12, 13, 14, 15, 17, 18, 19, 25, 26, 27)
# Camera order of VideoPose3D's per-camera lists (its ``cam_map``): the
# Human3.6M release's.
VIDEOPOSE3D_CAMERA_IDS = H36M_CAMERA_IDS


def _concat(parts: List[dict]) -> dict:
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


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
    data = object_item(raw['positions_3d'], path, 'positions_3d')
    if subjects is not None:
        absent = [s for s in subjects if s not in data]
        if absent:
            raise DataFileError(path, format_key('positions_3d', absent[0]),
                                f'subject missing; the file has '
                                f'{sorted(data)}')
        data = {s: data[s] for s in subjects}
    out = {}
    for subject, actions in data.items():
        if not isinstance(actions, dict):
            raise DataFileError(path, format_key('positions_3d', subject),
                                'expected a dict action -> (T, 32, 3)')
        out[subject] = {}
        for action, pos in actions.items():
            key = format_key('positions_3d', subject, action)
            a = np.asarray(pos)
            if a.ndim == 3 and a.shape[1] == 32:
                a = a[:, H36M32_TO_17]
            elif not (a.ndim == 3 and a.shape[1] == 17):
                raise DataFileError(
                    path, key, 'wrong joint count: expected (T, 32, 3) '
                    f'(or (T, 17, 3)), got shape {shape_str(a.shape)}')
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
    data = object_item(raw['positions_2d'], path, 'positions_2d')
    meta = object_item(raw['metadata'], path, 'metadata') \
        if 'metadata' in raw else {}
    _check_2d_metadata(meta, path, num_keypoints)
    kind, out = None, {}
    for subject, actions in data.items():
        if not isinstance(actions, dict):
            raise DataFileError(path, format_key('positions_2d', subject),
                                'expected a dict action -> list of cameras')
        out[subject] = {}
        for action, cams in actions.items():
            if not isinstance(cams, (list, tuple)):
                raise DataFileError(
                    path, format_key('positions_2d', subject, action),
                    'expected a list with one array per camera, got '
                    f'{type(cams).__name__}')
            arrays = []
            for i, arr in enumerate(cams):
                key = format_key('positions_2d', subject, action, i)
                kind, a = _check_2d(arr, path, key, kind, num_keypoints)
                arrays.append(a)
            out[subject][action] = arrays
    return kind or 'keypoints', out, meta


def _check_2d_metadata(meta: dict, path, num_keypoints: int) -> None:
    """Refuse 2D files whose ``metadata`` names another joint count or
    layout than Human3.6M's ``num_keypoints`` joints."""
    if meta.get('num_joints', num_keypoints) != num_keypoints:
        raise DataFileError(
            path, format_key('metadata', 'num_joints'), 'wrong joint count: '
            f"{meta['num_joints']} joints, expected {num_keypoints} (the "
            '16-joint Stacked-Hourglass files are not supported)')
    if meta.get('layout_name', 'h36m') not in ('h36m', 'h36m_17'):
        raise DataFileError(
            path, format_key('metadata', 'layout_name'),
            f"joint layout {meta['layout_name']!r} is not the Human3.6M "
            'order; convert the keypoints to h36m order first')


def _check_2d(arr, path, key: str, kind: Optional[str],
              num_keypoints: int) -> Tuple[str, np.ndarray]:
    """One camera's 2D array -> (its kind, the checked array); ``kind``:
    that of the file's arrays so far (None: this is the first)."""
    if arr is None:
        raise DataFileError(path, key, 'camera missing (None)')
    a = np.asarray(arr)
    this = 'gmm' if a.ndim == 4 else 'keypoints'
    kind = kind or this
    if this != kind:
        raise DataFileError(path, key, 'mixes GMM (T, K, C, 5) and keypoint '
                            '(T, K, 2) arrays')
    if kind == 'gmm':
        return kind, check_gmm(a, path, key, None, num_keypoints)
    a = check_array(a, path, key, (None, num_keypoints, a.shape[-1]), 1)
    if a.shape[-1] not in (2, 3):
        raise DataFileError(path, key, 'expected (T, K, 2) pixels or (T, K, '
                            f'3) with a score, got {shape_str(a.shape)}')
    return kind, a


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
            cams_2d = None if positions_2d is None else _video_2d(
                positions_2d, subject, action, path2d)
            frames = np.arange(0, len(world), frame_stride)
            for i in range(len(VIDEOPOSE3D_CAMERA_IDS)):
                parts.append(_camera_view(world, frames, cameras, subject,
                                          action, i, cams_2d, kind,
                                          (path3d, path2d, pathcam)))
    if not parts:
        raise DataFileError(path3d, format_key('positions_3d'),
                            'no videos left (empty file or subject filter)')
    return _concat(parts)


def _video_2d(positions_2d: dict, subject: str, action: str,
              path2d: str) -> list:
    """One video's per-camera 2D arrays, checked to be there for every
    camera."""
    cams_2d = positions_2d.get(subject, {}).get(action)
    key = format_key('positions_2d', subject, action)
    if cams_2d is None:
        raise DataFileError(path2d, key,
                            'missing, but the 3D file has this video')
    if len(cams_2d) != len(VIDEOPOSE3D_CAMERA_IDS):
        raise DataFileError(path2d, key, f'{len(cams_2d)} cameras, expected '
                            f'{len(VIDEOPOSE3D_CAMERA_IDS)}')
    return cams_2d


def _camera_view(world: np.ndarray, frames: np.ndarray, cameras: dict,
                 subject: str, action: str, i: int, cams_2d: Optional[list],
                 kind: str, paths: Tuple[str, str, str]) -> dict:
    """Body3d rows of one video (T, 17, 3) world m at ``frames`` through
    camera ``VIDEOPOSE3D_CAMERA_IDS[i]``: 2D from ``cams_2d[i]`` (keypoints
    or GMM), or projected with distortion when ``cams_2d`` is None."""
    path3d, path2d, pathcam = paths
    cam_id = VIDEOPOSE3D_CAMERA_IDS[i]
    try:
        cam = camera_from_pkl(cameras, subject, cam_id)
    except (CameraParamError, ValueError) as e:
        raise DataFileError(pathcam, format_key((subject, cam_id)),
                            str(e)) from None
    x_cam = world_to_camera(world[frames], cam['R'], cam['T'])
    part = dict(imgname=h36m_imgnames(subject, action.replace(' ', '_'),
                                      cam_id, frames))
    vis = None
    if cams_2d is None:
        try:
            uv = project_to_pixels(x_cam, cam['f'], cam['c'], cam.get('k'),
                                   cam.get('p'))
        except ValueError as e:
            raise DataFileError(
                path3d, format_key('positions_3d', subject, action),
                f'camera {cam_id}: {e}') from None
    else:
        arr = cams_2d[i]
        if len(arr) < len(world):
            raise DataFileError(
                path2d, format_key('positions_2d', subject, action, i),
                f'{len(arr)} frames but the 3D file has {len(world)}')
        arr = arr[frames]
        if kind == 'gmm':
            uv = arr[:, :, 0, 1:3]
            part['gmm'] = arr
        else:
            uv = arr[..., :2]
            vis = arr[..., 2] if arr.shape[-1] > 2 else None
    part.update(body3d_arrays(part['imgname'], x_cam, uv, vis))
    return part


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

