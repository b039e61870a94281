"""A small procedural Human3.6M-format dataset, made offline from code alone.

It is the embedded default of the quick-start job: no download, no licensed
data. Poses come from forward kinematics of a 17-joint H36M skeleton driven by
smooth periodic joint angles (four motion styles), placed in an H36M-like world
(z up, floor at z = 0, a 4 m capture area) and seen by four synthetic cameras
with H36M-like intrinsics and lens distortion. It exercises the real data path
(``Human36mDataset``, codecs, metrics); it is not a benchmark of real motion.
"""
import os.path as osp
from typing import Dict, Sequence

import numpy as np

from poselift_mm.geometry import (H36M17_PARENTS, axis_angle_to_matrix,
                                  forward_kinematics, project_to_pixels,
                                  world_to_camera)
from .h36m_format import (h36m_imgname, make_h36m_annotation, save_cameras,
                          save_h36m_annotation)

# Rest offsets (metres) of each H36M-17 joint from its parent, body frame:
# x to the person's right, y forward, z up.
REST_OFFSETS_M = np.array([
    [0, 0, 0], [0.13, 0, 0], [0, 0, -0.45], [0, 0, -0.44],
    [-0.13, 0, 0], [0, 0, -0.45], [0, 0, -0.44], [0, 0.01, 0.23],
    [0, 0, 0.25], [0, 0.04, 0.11], [0, -0.02, 0.12], [-0.16, 0, 0],
    [0, 0, -0.28], [0, 0, -0.25], [0.16, 0, 0], [0, 0, -0.28],
    [0, 0, -0.25]
])
ACTIONS = ('Walking', 'Waving', 'Squatting', 'Reaching')
CAMERA_IDS = ('60000001', '60000002', '60000003', '60000004')


def _joint_angles(action: str, t: np.ndarray,
                  rng: np.random.Generator) -> np.ndarray:
    """(T, 17, 3) local rotation vectors (radians) for one motion style."""
    amp = rng.uniform(0.7, 1.3)
    freq = rng.uniform(0.6, 1.2)  # cycles per second
    ph = 2 * np.pi * freq * t + rng.uniform(0, 2 * np.pi)
    s, c = np.sin(ph), np.cos(ph)
    aa = np.zeros(t.shape + (17, 3))
    # x: flexion (+ swings a limb forward); y: abduction / side bend; z: twist.
    if action == 'Walking':
        aa[:, 1, 0], aa[:, 4, 0] = 0.45 * amp * s, -0.45 * amp * s
        aa[:, 2, 0] = -0.6 * amp * np.maximum(-s, 0) - 0.05
        aa[:, 5, 0] = -0.6 * amp * np.maximum(s, 0) - 0.05
        aa[:, 11, 0], aa[:, 14, 0] = 0.4 * amp * s, -0.4 * amp * s
        aa[:, 12, 0] = aa[:, 15, 0] = 0.3
        aa[:, 7, 2] = 0.1 * amp * s
    elif action == 'Waving':
        aa[:, 14, 1] = -2.4 + 0.15 * c
        aa[:, 15, 0] = 0.5 * amp * (1 + s)
        aa[:, 11, 1] = 0.15
        aa[:, 9, 0] = 0.15 * s
        aa[:, 7, 1] = 0.08 * amp * s
    elif action == 'Squatting':
        depth = 0.5 * amp * (1 - c)
        aa[:, 1, 0] = aa[:, 4, 0] = 1.1 * depth
        aa[:, 2, 0] = aa[:, 5, 0] = -2.0 * depth
        aa[:, 7, 0] = -0.5 * depth
        aa[:, 11, 0] = aa[:, 14, 0] = 1.2 * depth
    elif action == 'Reaching':
        aa[:, 7, 0] = -0.5 * amp * (1 - c) / 2
        aa[:, 11, 0] = 1.4 * amp * (1 - c) / 2
        aa[:, 14, 0] = 0.9 * amp * (1 + s) / 2
        aa[:, 12, 0] = aa[:, 15, 0] = 0.4 * c
        aa[:, 7, 2] = 0.3 * s
    else:
        raise ValueError(f'unknown action {action!r}; choose from {ACTIONS}')
    return aa + rng.normal(0, 0.03, size=(17, 3))  # a personal style


def synthesize_sequence(action: str, num_frames: int, fps: float,
                        rng: np.random.Generator) -> np.ndarray:
    """(T, 17, 3) world positions, metres, z up, lowest foot on the floor."""
    t = np.arange(num_frames) / fps
    local = axis_angle_to_matrix(_joint_angles(action, t, rng))
    # Heading: a slow turn; position: a drift within the capture area.
    heading = rng.uniform(-np.pi, np.pi) + rng.uniform(-0.4, 0.4) * t
    local[:, 0] = axis_angle_to_matrix(
        np.stack([np.zeros_like(t), np.zeros_like(t), heading], -1))
    speed = 1.0 if action == 'Walking' else 0.1
    direction = np.stack([-np.sin(heading), np.cos(heading)], -1)
    xy = rng.uniform(-1, 1, 2) + np.cumsum(direction * speed / fps, axis=0)
    xy = np.clip(xy, -2, 2)
    root = np.concatenate([xy, np.full((num_frames, 1), 0.95)], -1)
    pos = forward_kinematics(local, REST_OFFSETS_M, H36M17_PARENTS, root)
    pos[..., 2] -= pos[..., 2].min(axis=-1, keepdims=True)
    return pos


def synthetic_cameras(rng: np.random.Generator) -> Dict[str, dict]:
    """Four cameras on a ~5 m circle, 1.5 m up, looking at the centre."""
    cams = {}
    for i, cam_id in enumerate(CAMERA_IDS):
        angle = np.pi / 4 + i * np.pi / 2 + rng.uniform(-0.1, 0.1)
        centre = np.array([5 * np.cos(angle), 5 * np.sin(angle),
                           rng.uniform(1.3, 1.7)])
        forward = np.array([0, 0, 1.0]) - centre
        forward /= np.linalg.norm(forward)
        right = np.cross(forward, [0, 0, 1.0])
        right /= np.linalg.norm(right)
        down = np.cross(forward, right)
        cams[cam_id] = dict(
            R=np.stack([right, down, forward]), T=centre,
            f=rng.uniform(1140, 1150, 2), c=rng.uniform(508, 516, 2),
            k=rng.normal(0, [0.05, 0.05, 0.001]),
            p=rng.normal(0, 0.001, 2), w=1000, h=1002, id=cam_id,
            name=f'camera{i + 1}')
    return cams


def synthesize_h36m(out_dir: str,
                    splits: Dict[str, Sequence[str]] = None,
                    actions: Sequence[str] = ACTIONS,
                    num_frames: int = 150,
                    fps: float = 50.0,
                    seed: int = 0) -> Dict[str, str]:
    """Write ``annotation_body3d/fps50/h36m_<split>.npz`` per split and
    ``annotation_body3d/cameras.pkl`` under ``out_dir``; return the paths."""
    splits = splits or dict(train=('S1', 'S5'), test=('S8', ))
    rng = np.random.default_rng(seed)
    cameras, paths = {}, {}
    for split, subjects in splits.items():
        names, kpts3d, kpts2d = [], [], []
        for subject in subjects:
            subject_cams = synthetic_cameras(rng)
            for cam_id, cam in subject_cams.items():
                cameras[(subject, cam_id)] = cam
            for action in actions:
                world = synthesize_sequence(action, num_frames, fps, rng)
                for cam_id, cam in subject_cams.items():
                    x_cam = world_to_camera(world, cam['R'], cam['T'])
                    uv = project_to_pixels(x_cam, cam['f'], cam['c'],
                                           cam['k'], cam['p'])
                    names += [
                        h36m_imgname(subject, action, cam_id, i)
                        for i in range(num_frames)
                    ]
                    kpts3d.append(x_cam)
                    kpts2d.append(uv)
        ann = make_h36m_annotation(names, np.concatenate(kpts3d),
                                   np.concatenate(kpts2d))
        path = osp.join(out_dir, 'annotation_body3d', 'fps50',
                        f'h36m_{split}.npz')
        save_h36m_annotation(path, ann)
        paths[split] = path
    paths['cameras'] = osp.join(out_dir, 'annotation_body3d', 'cameras.pkl')
    save_cameras(paths['cameras'], cameras)
    return paths
