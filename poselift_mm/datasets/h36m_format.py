"""Writers for MMPose's Human3.6M annotation layout (``Human36mDataset``).

Annotation npz: ``imgname`` (N,) like
``S1/S1_Walking_1.54138969/S1_Walking_1.54138969_000001.jpg``, ``center``
(N, 2) and ``scale`` (N,) of the 2D box (MMPose: box centre, 1.2 * longest
side / 200), ``part`` (N, 17, 3) pixels + visibility, ``S`` (N, 17, 4)
camera-frame metres + visibility. ``cameras.pkl``: dict keyed by
``(subject, camera_id)`` with ``R`` (3, 3) camera -> world (MMPose's
``SimpleCamera`` convention: ``X_cam = R.T @ (X_world - T)``), ``T`` (3, 1)
camera centre in metres, ``f``, ``c`` (2, 1), ``k`` (3, 1), ``p`` (2, 1),
``w``, ``h``. Read it back with ``poselift_mm.geometry.camera_from_pkl``.

Also owns the dataset's names: camera ids, image sizes and action names.
"""
import numpy as np

from poselift_mm.geometry import check_points
from poselift_mm.utils.io import save_npz_atomic, save_pickle_atomic

# The 4 Human3.6M cameras, in the order of the ``ca_01``..``ca_04`` folders
# of the official release (also VideoPose3D's per-camera lists, its
# ``cam_map``).
H36M_CAMERA_IDS = ('54138969', '55011271', '58860488', '60457274')
# Image size (w, h) px per camera.
H36M_CAMERA_SIZES = dict(
    zip(H36M_CAMERA_IDS, ((1000, 1002), (1000, 1000), (1000, 1000),
                          (1000, 1002))))
# Human3.6M action ids 2..16 (the ``act_XX`` of the official release), named
# as VideoPose3D and MMPose name the videos.
H36M_ACTION_NAMES = {
    2: 'Directions', 3: 'Discussion', 4: 'Eating', 5: 'Greeting',
    6: 'Phoning', 7: 'Posing', 8: 'Purchases', 9: 'Sitting',
    10: 'SittingDown', 11: 'Smoking', 12: 'Photo', 13: 'Waiting',
    14: 'Walking', 15: 'WalkDog', 16: 'WalkTogether'
}


def h36m_imgname(subject: str, action: str, camera_id: str,
                 frame: int) -> str:
    """MMPose's image name; ``frame`` is 0-based, names are 1-based."""
    _check_name_parts([subject], [action], [camera_id])
    seq = f'{subject}_{action}.{camera_id}'
    return f'{subject}/{seq}/{seq}_{frame + 1:06d}.jpg'


def h36m_imgnames(subjects, actions, camera_ids, frames) -> np.ndarray:
    """``h36m_imgname`` for many rows: (N,) 0-based ``frames``; subjects,
    actions and camera ids (N,) or one for all -> (N,) str names."""
    parts = [np.asarray(a).astype(str) for a in (subjects, actions,
                                                 camera_ids)]
    _check_name_parts(*([str(v) for v in np.unique(p)] for p in parts))
    subjects, actions, camera_ids, frames = np.broadcast_arrays(
        *parts, np.asarray(frames))
    seq = np.char.add(np.char.add(np.char.add(subjects, '_'), actions),
                      np.char.add('.', camera_ids))
    base = np.char.add(np.char.add(seq, '_'),
                       np.char.zfill((frames + 1).astype(str), 6))
    return np.char.add(np.char.add(np.char.add(subjects, '/'), seq),
                       np.char.add(np.char.add('/', base), '.jpg'))


def _check_name_parts(subjects, actions, camera_ids) -> None:
    """ValueError unless every part can be split back out of a name."""
    for name, values in (('subject', subjects), ('camera_id', camera_ids)):
        for value in values:
            if '_' in value or '.' in value:
                raise ValueError(
                    f"{name} {value!r} must not contain '_' or '.'")
    for action in actions:
        if '.' in action:
            raise ValueError(f"action {action!r} must not contain '.'")


def make_h36m_annotation(imgnames, kpts_3d_cam_m: np.ndarray,
                         kpts_2d_px: np.ndarray,
                         visible: np.ndarray = None) -> dict:
    """Arrays of one annotation file from (N, K, 3) metres and (N, K, 2) px."""
    kpts_3d_cam_m = check_points(
        np.asarray(kpts_3d_cam_m, dtype=np.float64), 'kpts_3d_cam_m', 3)
    kpts_2d_px = check_points(
        np.asarray(kpts_2d_px, dtype=np.float64), 'kpts_2d_px', 2,
        kpts_3d_cam_m.shape[-2])
    n = len(imgnames)
    if kpts_3d_cam_m.shape[0] != n or kpts_2d_px.shape[0] != n:
        raise ValueError(
            f'{n} image names but {kpts_3d_cam_m.shape[0]} 3D and '
            f'{kpts_2d_px.shape[0]} 2D poses')
    return body3d_arrays(imgnames, kpts_3d_cam_m, kpts_2d_px, visible,
                         visible)


def body3d_arrays(imgnames, kpts_3d_m, kpts_2d_px, vis_2d=None,
                  vis_3d=None) -> dict:
    """The annotation arrays from (N, K, 3) m, (N, K, 2) px and (N, K)
    visibilities (default 1), unchecked: box centre and scale of the 2D."""
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


def camera_to_pkl_entry(camera: dict) -> dict:
    """Shape a camera dict (``R`` world -> camera, as ``world_to_camera``
    takes it) the way MMPose's ``cameras.pkl`` stores it (``R`` transposed)."""
    entry = dict(
        R=np.asarray(camera['R'], dtype=np.float64).reshape(3, 3).T.copy(),
        T=np.asarray(camera['T'], dtype=np.float64).reshape(3, 1),
        f=np.asarray(camera['f'], dtype=np.float64).reshape(2, 1),
        c=np.asarray(camera['c'], dtype=np.float64).reshape(2, 1),
        k=np.asarray(camera.get('k', np.zeros(3)),
                     dtype=np.float64).reshape(3, 1),
        p=np.asarray(camera.get('p', np.zeros(2)),
                     dtype=np.float64).reshape(2, 1),
        w=int(camera['w']),
        h=int(camera['h']))
    for key in ('name', 'id'):
        if key in camera:
            entry[key] = camera[key]
    return entry


def save_h36m_annotation(path, annotation: dict) -> None:
    save_npz_atomic(path, **annotation)


def save_cameras(path, cameras: dict) -> None:
    """``cameras``: {(subject, camera_id): camera dict} -> MMPose pickle."""
    save_pickle_atomic(
        path, {key: camera_to_pkl_entry(cam)
               for key, cam in cameras.items()})
