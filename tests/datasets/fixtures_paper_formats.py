"""Builders of small files in the exact formats of the papers' data (test
only; written into a test's tmp_path, nothing binary is committed).

Each builder follows the keys, dtypes, nesting and shapes the original
loader code reads (cited per builder). Values come from our own procedural
motion (``poselift_mm.datasets.synthetic``) or from MMPose's real samples.
"""
import pickle

import numpy as np

from poselift_mm.datasets.h36m_format import camera_to_pkl_entry
from poselift_mm.datasets.readers import (H36M32_TO_17,
                                          VIDEOPOSE3D_CAMERA_IDS,
                                          ZEDO_PW3D_TO_H36M)
from poselift_mm.datasets.synthetic import (synthesize_sequence,
                                            synthetic_cameras)
from poselift_mm.geometry import H36M_LEFT, H36M_RIGHT

# VideoPose3D data/prepare_data_h36m.py metadata of the 17-joint skeleton
H36M17_SYMMETRY = [list(H36M_LEFT), list(H36M_RIGHT)]


def world_motion(subjects=('S1', ), actions=('Walking 1', 'Waiting'),
                 num_frames=12, seed=0):
    """{subject: {action: (T, 17, 3) world m}} and {(subject, camera id):
    cameras.pkl entry} with VideoPose3D's camera ids, from our procedural
    motion and cameras."""
    rng = np.random.default_rng(seed)
    styles = ('Walking', 'Waving', 'Squatting', 'Reaching')
    motion, cameras = {}, {}
    for subject in subjects:
        cams = synthetic_cameras(rng)
        for cam_id, cam in zip(VIDEOPOSE3D_CAMERA_IDS, cams.values()):
            cam = dict(cam, id=cam_id)
            cameras[(subject, cam_id)] = camera_to_pkl_entry(cam)
        motion[subject] = {
            a: synthesize_sequence(styles[i % 4], num_frames, 50.0, rng)
            for i, a in enumerate(actions)
        }
    return motion, cameras


def camera_frame(world, entry):
    """(T, 17, 3) world m -> camera m through a cameras.pkl entry (plain
    numpy, independent of the code under test: X_cam = R.T (X - T))."""
    return (world - entry['T'].reshape(3)) @ entry['R']


def write_cameras_pkl(path, cameras):
    with open(path, 'wb') as f:
        pickle.dump(cameras, f)


def write_videopose3d_3d(path, motion17):
    """facebookresearch/VideoPose3D data/prepare_data_h36m.py:
    ``np.savez_compressed(.., positions_3d={subject: {action: float32
    (T, 32, 3) world metres}})``. Our 17 joints go to their 32-joint slots;
    the 15 dropped slots get finite stand-ins (a shifted copy of the
    pelvis)."""
    out = {}
    dropped = np.setdiff1d(np.arange(32), H36M32_TO_17)
    for subject, actions in motion17.items():
        out[subject] = {}
        for action, pos in actions.items():
            full = np.empty((len(pos), 32, 3), dtype=np.float32)
            full[:, list(H36M32_TO_17)] = pos
            full[:, dropped] = pos[:, :1] + 0.05
            out[subject][action] = full
    np.savez_compressed(path, positions_3d=out)


def write_videopose3d_2d(path, positions_2d, num_joints=17,
                         layout_name=None):
    """VideoPose3D data/prepare_data_h36m.py (``gt``) and
    data/tools/prepare_data_2d_h36m_generic.py (detectors, with
    ``layout_name``): ``positions_2d={subject: {action: [float32 (T, J, 2)
    px per camera, cam_map order]}}``, ``metadata={'num_joints',
    'keypoints_symmetry'[, 'layout_name']}``."""
    metadata = dict(num_joints=num_joints,
                    keypoints_symmetry=H36M17_SYMMETRY)
    if layout_name is not None:
        metadata['layout_name'] = layout_name
    np.savez_compressed(path, positions_2d=positions_2d, metadata=metadata)


def make_gmm(uv, num_components=3, seed=0):
    """(T, K, 2) px -> (T, K, C, 5) [pi, mu_u, mu_v, sigma_u, sigma_v] with
    component 0 at ``uv`` (DiffPose: the 2D equals VideoPose3D's)."""
    rng = np.random.default_rng(seed)
    t, k = uv.shape[:2]
    g = np.zeros((t, k, num_components, 5), dtype=np.float32)
    pi = rng.uniform(0.1, 1.0, (t, k, num_components))
    pi[..., 0] += 1.0
    g[..., 0] = pi / pi.sum(-1, keepdims=True)
    g[..., 1:3] = uv[:, :, None] + rng.normal(0, 4, (t, k, num_components, 2))
    g[:, :, 0, 1:3] = uv
    g[..., 3:] = rng.uniform(0.005, 0.02, (t, k, num_components, 2))
    return g


def write_diffpose_gmm_2d(path, gmm_2d):
    """GONGJIA0208/Diffpose common/data_utils.py ``create_2d_data`` and
    common/generators.py ``PoseGenerator_gmm``: ``positions_2d={subject:
    {action: [(T, 17, C, 5) per camera]}}``, no metadata."""
    np.savez_compressed(path, positions_2d=gmm_2d)


def pinhole(x_cam, f, c):
    """(..., 3) camera mm or m -> (..., 2) px without distortion."""
    return x_cam[..., :2] / x_cam[..., 2:] * f + c


def zedo_h36m_items(x_cam_m, entry, cam_index, subject, action, subaction,
                    imageids):
    """ipl-uw/ZeDO-Release lib/dataset/h36m.py reads ``h36m_test.pkl`` as a
    list of per-frame dicts written by the pose.pytorch Human3.6M
    preprocessing: joint_3d_camera (17, 3) mm, joint_3d_image (17, 3) [u, v
    pinhole px, (z - z_root) * ratio], camera_param {R world->camera, T
    (3, 1) mm centre, fx, fy, cx, cy (1-element arrays), k, p, name}, box,
    center, scale, root_depth, subject, action, subaction, imageid, cameraid,
    videoid, image_path."""
    f, c = entry['f'].reshape(2), entry['c'].reshape(2)
    cam = dict(R=entry['R'].T.copy(), T=entry['T'] * 1000.0,
               fx=f[:1].copy(), fy=f[1:].copy(), cx=c[:1].copy(),
               cy=c[1:].copy(), k=entry['k'], p=entry['p'],
               name=VIDEOPOSE3D_CAMERA_IDS[cam_index])
    items = []
    for x_m, image_id in zip(x_cam_m, imageids):
        x = x_m * 1000.0
        root = x[0]
        corners = np.stack([root - [1000, 1000, 0], root + [1000, 1000, 0]])
        tl, br = pinhole(corners, f, c)
        box = np.array([tl[0], tl[1], br[0], br[1]])
        ratio = (box[2] - box[0] + 1) / 2000.0
        img3d = np.concatenate(
            [pinhole(x, f, c), ratio * (x[:, 2:] - root[2])], axis=1)
        folder = (f's_{subject:02d}_act_{action:02d}_subact_{subaction:02d}'
                  f'_ca_{cam_index + 1:02d}')
        items.append(dict(
            videoid=0, cameraid=cam_index, camera_param=cam,
            imageid=int(image_id),
            image_path=f'{folder}/{folder}_{image_id + 1:06d}.jpg',
            joint_3d_image=img3d, joint_3d_camera=x,
            center=(0.5 * (box[0] + box[2]), 0.5 * (box[1] + box[3])),
            scale=((box[2] - box[0]) / 200.0, (box[3] - box[1]) / 200.0),
            box=box, subject=subject, action=action, subaction=subaction,
            root_depth=root[2]))
    return items


def write_pickle(path, obj):
    with open(path, 'wb') as f:
        pickle.dump(obj, f)


def write_zedo_sh_dt_ft(path, subset, uv, confidence):
    """ZeDO lib/dataset/h36m.py ``h36m_sh_dt_ft.pkl``: {subset:
    {'joint3d_image': (N, 17, 3) with u, v px first, 'confidence':
    (N, 17, 1)}}, rows aligned with ``h36m_<subset>.pkl``."""
    joint3d_image = np.concatenate([uv, np.zeros(uv.shape[:2] + (1, ))], -1)
    write_pickle(path, {subset: dict(joint3d_image=joint3d_image,
                                     confidence=confidence[..., None])})


def zedo_mpii3d_items(x_cam_m, f, c, w, h, valid, activity=1):
    """ipl-uw/ZeDO-Release lib/dataset/mpii3dHP.py ``mpii3d_test.pkl``:
    per-frame dicts joint_3d_camera (17, 3) mm, joint_2d (17, 3) (u, v px,
    1), camera_param {fx, fy, cx, cy}, w, h, imageid, valid_i, action."""
    items = []
    for i, (x, ok) in enumerate(zip(x_cam_m, valid)):
        uv = pinhole(x, f, c)
        items.append(dict(
            joint_3d_camera=x * 1000.0,
            joint_2d=np.concatenate([uv, np.ones((17, 1))], axis=1),
            camera_param=dict(fx=float(f[0]), fy=float(f[1]),
                              cx=float(c[0]), cy=float(c[1])),
            w=w, h=h, imageid=i, valid_i=int(ok), action=activity))
    return items


def write_zedo_pw3d_npz(path, x_cam_h36m_m, f, c, w, h, image_paths):
    """ipl-uw/ZeDO-Release lib/dataset/pw3d.py ``pw3d_test.npz``:
    keypoints3d17_relative (N, 17, 4) root-relative m in the file's joint
    order (file joint i = H36M joint ZEDO_PW3D_TO_H36M[i]; a 4th column
    ZeDO ignores), root_cam (N, 3) m, cam_param {f (N, 2), c (N, 2)},
    image_width, image_height (N,), image_path (N,)."""
    n = len(x_cam_h36m_m)
    x_file = x_cam_h36m_m[:, list(ZEDO_PW3D_TO_H36M)]
    root = x_cam_h36m_m[:, 0]
    rel = np.concatenate([x_file - root[:, None], np.ones((n, 17, 1))], -1)
    np.savez(path, keypoints3d17_relative=rel.astype(np.float32),
             root_cam=root.astype(np.float32),
             cam_param=dict(f=np.asarray(f, np.float32),
                            c=np.asarray(c, np.float32)),
             image_width=np.full(n, w), image_height=np.full(n, h),
             image_path=np.asarray(image_paths))


def write_mmpose_3dhp(path, imgnames, x_cam_m, uv, visible=None):
    """MMPose tools/dataset_converters/preprocess_mpi_inf_3dhp.py: npz with
    imgname, center (N, 2), scale (N,), part (N, 17, 3), S (N, 17, 4) m."""
    vis = np.ones(uv.shape[:2]) if visible is None else visible
    lo, hi = uv.min(1), uv.max(1)
    np.savez(path, imgname=np.asarray(imgnames), center=(lo + hi) / 2,
             scale=1.2 * (hi - lo).max(1) / 200,
             part=np.concatenate([uv, vis[..., None]], -1),
             S=np.concatenate([x_cam_m, vis[..., None]], -1))


__all__ = [
    'world_motion', 'camera_frame', 'write_cameras_pkl',
    'write_videopose3d_3d', 'write_videopose3d_2d', 'make_gmm',
    'write_diffpose_gmm_2d', 'pinhole', 'zedo_h36m_items', 'write_pickle',
    'write_zedo_sh_dt_ft', 'zedo_mpii3d_items', 'write_zedo_pw3d_npz',
    'write_mmpose_3dhp'
]
