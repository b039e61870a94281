"""ZeDO's evaluation files (Human3.6M pickle + detections, MPI-INF-3DHP
pickle, 3DPW npz) -> our convention plus a per-frame ``camera_index`` into
a list of cameras. The formats are pickles: only read files you trust.
"""
import os.path as osp
import re
from typing import List, Optional, Sequence, Tuple

import numpy as np

from poselift_mm.utils.datafile import (DataFileError, check_array,
                                        format_key, load_npz, load_pickle,
                                        object_item, shape_str)
from ..h36m_format import (H36M_ACTION_NAMES, H36M_CAMERA_IDS,
                           H36M_CAMERA_SIZES, body3d_arrays, h36m_imgnames)

# ZeDO lib/dataset/pw3d.py ``order``: joint i of ``keypoints3d17_relative``
# is Human3.6M joint ZEDO_PW3D_TO_H36M[i].
ZEDO_PW3D_TO_H36M = (5, 2, 6, 3, 11, 14, 12, 15, 13, 16, 1, 4, 8, 10, 0, 7, 9)


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
    cam_ids = _h36m_camera_ids(path, items)
    subjects = np.char.add('S', ids[:, 0].astype(str))
    actions = np.char.add(
        np.char.add(np.array([H36M_ACTION_NAMES[a] for a in ids[:, 1]]), '_'),
        ids[:, 2].astype(str))
    names = h36m_imgnames(subjects, actions, cam_ids, ids[:, 3])
    uv, vis = img3d[..., :2], None
    if det_path is not None:
        uv, vis = _h36m_detections(det_path, det_subset or
                                   _subset_from_name(path), path, len(items))
    ann = body3d_arrays(names, x_cam, uv, vis)
    # cameras: intrinsics per (subject, camera); extrinsics if well-formed
    wh = np.array([H36M_CAMERA_SIZES[c] for c in cam_ids], dtype=np.float64)
    extra = [_h36m_extrinsics(it['camera_param'], s, c)
             for s, c, it in zip(subjects, cam_ids, items)]
    # one camera per (subject, camera id)
    index, cams = _camera_table_keyed(path, fc, wh,
                                      np.char.add(subjects, cam_ids), extra)
    ann['camera_index'] = index
    return ann, cams


def _h36m_camera_ids(path, items: list) -> np.ndarray:
    """(N,) Human3.6M camera ids: ``camera_param['name']``, else the id of
    ``cameraid`` (0..3)."""
    cam_ids = []
    for i, it in enumerate(items):
        name = it['camera_param'].get('name')
        if name is None and 'cameraid' in it:
            name = H36M_CAMERA_IDS[int(it['cameraid'])]
        if str(name) not in H36M_CAMERA_SIZES:
            raise DataFileError(path, f"[{i}]['camera_param']['name']",
                                f'unknown Human3.6M camera {name!r}')
        cam_ids.append(str(name))
    return np.array(cam_ids)


def _h36m_detections(det_path, subset: str, path,
                     n: int) -> Tuple[np.ndarray, np.ndarray]:
    """ZeDO's detection pickle -> (N, 17, 2) px and (N, 17) confidences of
    ``subset``, whose rows must match the ``n`` frames of ``path``."""
    dets = load_pickle(det_path)
    if not isinstance(dets, dict) or subset not in dets:
        has = sorted(dets) if isinstance(dets, dict) else type(dets).__name__
        raise DataFileError(det_path, format_key(subset), 'subset missing '
                            '(the file should be a dict subset -> arrays; '
                            f'it has {has})')
    part = dets[subset]
    for k in ('joint3d_image', 'confidence'):
        if k not in part:
            raise DataFileError(det_path, format_key(subset, k), 'missing')
    dt = np.asarray(part['joint3d_image'])
    dt = check_array(dt, det_path, format_key(subset, 'joint3d_image'),
                     (None, 17, dt.shape[-1] if dt.ndim == 3 else 2), 1)
    conf = check_array(part['confidence'], det_path,
                       format_key(subset, 'confidence'), (None, 17, 1), 1)
    if len(dt) != n or len(conf) != n:
        raise DataFileError(
            det_path, format_key(subset, 'joint3d_image'), f'{len(dt)} '
            f'detections and {len(conf)} confidences but {path} has {n} '
            'frames (row counts must match)')
    return dt[..., :2], conf[..., 0]


def _h36m_extrinsics(cam: dict, subject: str, cam_id: str) -> dict:
    """Names of one frame's camera and, when its ``R`` (world -> camera)
    and ``T`` (centre, mm) are well-formed, ``R`` camera -> world and ``T``
    in metres (MMPose's ``cameras.pkl`` convention)."""
    e = dict(name=cam_id, id=cam_id, subject=str(subject))
    try:
        r = np.asarray(cam['R'], dtype=np.float64).reshape(3, 3)
        t = np.asarray(cam['T'], dtype=np.float64).reshape(3, 1)
        if np.isfinite(r).all() and np.isfinite(t).all():
            e.update(R=r.T.copy(), T=t / 1000.0)
    except (KeyError, ValueError, TypeError):
        pass
    return e


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
                            f'(17, 3), got {shape_str(j2d.shape[1:])}')
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
    rel = check_array(rel, path, format_key('keypoints3d17_relative'),
                      (n, 17, rel.shape[-1] if rel.ndim == 3 else 3), 1)
    if rel.shape[-1] < 3:
        raise DataFileError(path, format_key('keypoints3d17_relative'),
                            'expected at least 3 columns (x, y, z)')
    root = check_array(raw['root_cam'], path, format_key('root_cam'), (n, 3))
    cam = object_item(raw['cam_param'], path, 'cam_param')
    for k in ('f', 'c'):
        if k not in cam:
            raise DataFileError(path, format_key('cam_param', k), 'missing')
    f = check_array(cam['f'], path, format_key('cam_param', 'f'), (n, 2))
    c = check_array(cam['c'], path, format_key('cam_param', 'c'), (n, 2))
    wh = np.stack([
        check_array(raw[k], path, format_key(k), (n, ))
        for k in ('image_width', 'image_height')
    ], axis=1)
    x_file = rel[..., :3] + root[:, None]
    x_cam = x_file[:, np.argsort(ZEDO_PW3D_TO_H36M)]
    z = x_cam[..., 2:]
    if (z <= 0).any():
        i = tuple(int(v) for v in np.argwhere(z[..., 0] <= 0)[0])
        raise DataFileError(path, format_key('root_cam'), 'joints behind the '
                            f'camera (z <= 0), first at frame/joint {i}')
    uv = x_cam[..., :2] / z * f[:, None] + c[:, None]
    names = np.asarray(raw['image_path']).astype(str)
    if names.shape != (n, ):
        raise DataFileError(path, format_key('image_path'), f'expected ({n},) '
                            f'paths, got {shape_str(names.shape)}')
    ann = body3d_arrays(names, x_cam, uv)
    index, cams = _camera_table(np.concatenate([f, c], axis=1), wh)
    ann['camera_index'] = index
    return ann, cams
