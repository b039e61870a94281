"""The bundled demo clip (``demo/cmu_01_01_clip.npz``): making it from CMU
motion capture (``tools/make_demo_clip.py``), reading it, and the README
main job (``tools/demo_clip.py``): lifting its 2D with the released
lifters of the metafiles and writing the errors and 3D poses.

A clip holds (T frames)::

  keypoints_2d        (T, 17, 2) float32 px, exact projection
  keypoints_2d_noisy  (T, 17, 2) float32 px, detector-like noise
  scores_noisy        (T, 17) float32, their confidences
  keypoints_3d        (T, 17, 3) float32 camera-frame metres (ground truth)
  f, c                (2,) px; image_size (2,) w, h px
  fps, source, frames, attribution
"""
import json
import os
import os.path as osp
import tempfile
import time

import numpy as np

from .model_zoo import get_model, load_config, repo_root

__all__ = ['ClipError', 'CLIP_KEYS', 'CLIP_MODELS', 'DEMO_CAMERA',
           'demo_camera', 'make_clip', 'save_clip', 'load_clip',
           'resolve_models', 'root_aligned_errors', 'lift_clip',
           'write_json', 'run_clip_demo']

CLIP_KEYS = ('keypoints_2d', 'keypoints_2d_noisy', 'scores_noisy',
             'keypoints_3d', 'f', 'c', 'image_size', 'fps')
# (display name, metafile model) of the lifters the main job compares:
# ZeDO with confidence-weighted snapping and the video DiffPose trained on
# detector-like 2D (8 epochs); the frame DiffPose stays the GT-trained one,
# whose MPJPE on this clip is the lowest of the frame models (README,
# "Quick start", below the main job's table)
CLIP_MODELS = (
    ('ZeDO', 'zedo_prior-mlp512_h36m-mocap_cpu_robust'),
    ('DiffPose frame', 'diffpose_gcndiff-gcnpose_h36m-mocap_cpu'),
    ('DiffPose video',
     'diffpose_gcndiff-mixste_h36m-mocap-27f_cpu_dntrain_8e'))
ATTRIBUTION = (
    'Motion: CMU Graphics Lab Motion Capture Database, '
    'http://mocap.cs.cmu.edu (created with funding from NSF EIA-0196217), '
    'free for research and commercial use, no resale of the data. '
    'Converted to Human3.6M-17 2D/3D by poselift_mm '
    '(tools/make_demo_clip.py).')
# The clip's camera: 1000 x 1000 px, focal 1150 px (about Human3.6M's), level
# at 1.5 m height, no distortion, placed so that the default clip's person
# is 3.7-5.2 m away (Human3.6M's range).
DEMO_CAMERA = dict(f=(1150., 1150.), c=(500., 500.), w=1000, h=1000,
                   position_m=(0., -1., 1.5))


class ClipError(ValueError):
    """A clip or a released model that cannot be used (named)."""


def demo_camera() -> dict:
    """The clip's camera as ``world_to_camera`` takes it (R world->cam)."""
    # camera x = world x, camera y = -world z (down), camera z = world y
    R = np.array([[1., 0., 0.], [0., 0., -1.], [0., 1., 0.]])
    return dict(R=R, T=np.asarray(DEMO_CAMERA['position_m'], np.float64),
                f=np.asarray(DEMO_CAMERA['f']), c=np.asarray(DEMO_CAMERA['c']),
                k=np.zeros(3), p=np.zeros(2), w=DEMO_CAMERA['w'],
                h=DEMO_CAMERA['h'], name='demo', id='demo')


def _converted(bvh_path: str, fps: float, seed: int):
    """(part (N, 17, 3), S (N, 17, 4), noisy det (N, 17, 3)) of a BVH file
    through the project's converter and the clip's camera."""
    from poselift_mm.datasets.h36m_format import save_cameras
    from poselift_mm.datasets.mocap import bvh_sequence, convert_to_h36m
    seq = bvh_sequence(bvh_path)
    with tempfile.TemporaryDirectory() as tmp:
        cams = osp.join(tmp, 'cameras.pkl')
        save_cameras(cams, {(seq.subject, 'demo'): demo_camera()})
        convert_to_h36m([seq], tmp, cams, splits={'test': [seq.subject]},
                        camera_ids=['demo'], fps=fps, seed=seed,
                        progress=False)
        tag = f'fps{int(round(fps))}'
        with np.load(osp.join(tmp, 'annotation_body3d', tag,
                              'h36m_test.npz')) as ann:
            part, S = ann['part'], ann['S']
        det = np.load(osp.join(tmp, 'joint_2d_det_files', tag,
                               'h36m_test_noisy.npy'))
    return part, S, det


def make_clip(bvh_path: str, start_s: float = 0., seconds: float = 4.,
              fps: float = 50., seed: int = 0) -> dict:
    """The clip's arrays (see the module docstring)."""
    if seconds <= 0 or start_s < 0:
        raise ValueError(f'need start_s >= 0 and seconds > 0, got '
                         f'{start_s}, {seconds}')
    part, S, det = _converted(bvh_path, fps, seed)
    first = int(round(start_s * fps))
    last = first + int(round(seconds * fps))
    if last > len(part):
        raise ValueError(f'{bvh_path}: {len(part) / fps:.1f} s at {fps} Hz, '
                         f'the clip {start_s}-{start_s + seconds} s does '
                         f'not fit')
    sl = slice(first, last)
    return dict(
        keypoints_2d=part[sl, :, :2].astype(np.float32),
        keypoints_2d_noisy=det[sl, :, :2].astype(np.float32),
        scores_noisy=det[sl, :, 2].astype(np.float32),
        keypoints_3d=S[sl, :, :3].astype(np.float32),
        f=np.asarray(DEMO_CAMERA['f'], np.float32),
        c=np.asarray(DEMO_CAMERA['c'], np.float32),
        image_size=np.asarray([DEMO_CAMERA['w'], DEMO_CAMERA['h']],
                              np.float32),
        fps=np.float32(fps),
        frames=np.arange(first, last),
        source=np.str_(f'{osp.basename(bvh_path)}, {start_s:g} s to '
                       f'{start_s + seconds:g} s, resampled to {fps:g} Hz'),
        attribution=np.str_(ATTRIBUTION))


def save_clip(path: str, clip: dict) -> None:
    """Compressed ``.npz``, written beside ``path`` and renamed over it."""
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    tmp = path + '.tmp.npz'
    np.savez_compressed(tmp, **clip)
    os.replace(tmp, path)


def load_clip(path: str) -> dict:
    """The clip's arrays, checked (ClipError names the file and key)."""
    if not osp.isfile(path):
        raise ClipError(f'{path}: clip file not found (the repository ships '
                        'demo/cmu_01_01_clip.npz; tools/make_demo_clip.py '
                        'makes one from a BVH file)')
    with np.load(path) as z:
        missing = [k for k in CLIP_KEYS if k not in z]
        if missing:
            raise ClipError(f'{path}: missing keys {missing}')
        clip = {k: z[k] for k in z.files}
    n = len(clip['keypoints_3d'])
    shapes = dict(keypoints_2d=(n, 17, 2), keypoints_2d_noisy=(n, 17, 2),
                  scores_noisy=(n, 17), keypoints_3d=(n, 17, 3))
    for key, shape in shapes.items():
        if clip[key].shape != shape:
            raise ClipError(f'{path}: {key} has shape {clip[key].shape}, '
                            f'expected {shape}')
        if not np.isfinite(clip[key]).all():
            raise ClipError(f'{path}: {key} has non-finite values')
    return clip


def resolve_models(root: str = None) -> list:
    """[(name, config, checkpoint)] absolute paths of :data:`CLIP_MODELS`
    from the metafiles."""
    root = root or repo_root()
    out = []
    for name, zoo_name in CLIP_MODELS:
        model = get_model(zoo_name, root)
        if not osp.isfile(model.weights):
            raise ClipError(f'{name}: no checkpoint matches '
                            f'{osp.relpath(model.weights, root)}')
        out.append((name, model.config, model.weights))
    return out


def root_aligned_errors(pred: np.ndarray, gt: np.ndarray) -> dict:
    """(N, 17, 3) m each -> per-frame MPJPE and P-MPJPE (N,) mm."""
    from poselift_mm.geometry import mpjpe, p_mpjpe, root_relative
    p, g = root_relative(pred, 0), root_relative(gt, 0)
    return dict(mpjpe=np.asarray(mpjpe(p, g)) * 1000.,
                p_mpjpe=np.asarray(p_mpjpe(p, g)) * 1000.)


def _lift_one(model, clip: dict, kp, sc) -> dict:
    """keypoints_3d, spread, seconds, errors of one lifter on one input."""
    from .lift import lift_keypoints
    intr = dict(f=tuple(map(float, clip['f'])),
                c=tuple(map(float, clip['c'])))
    t0 = time.perf_counter()
    res = lift_keypoints(kp, sc, model, intrinsics=intr,
                         image_size=tuple(float(v)
                                          for v in clip['image_size']),
                         keypoint_format='h36m')
    sec = time.perf_counter() - t0
    return dict(keypoints_3d=res['keypoints_3d'],
                spread=res['keypoint_spread'], seconds=sec,
                errors=root_aligned_errors(res['keypoints_3d'],
                                           clip['keypoints_3d']))


def lift_clip(clip: dict, models, device: str = 'cpu', log=print) -> dict:
    """{input: {model: dict(keypoints_3d, spread, seconds, errors)}} for
    the clean and the noisy 2D of ``clip``."""
    from .lift import init_lifter
    inputs = dict(clean=(clip['keypoints_2d'], None),
                  noisy=(clip['keypoints_2d_noisy'], clip['scores_noisy']))
    out = {k: {} for k in inputs}
    for name, cfg, ckpt in models:
        model = init_lifter(load_config(cfg), ckpt, device=device)
        for inp, (kp, sc) in inputs.items():
            r = out[inp][name] = _lift_one(model, clip, kp, sc)
            err, sec = r['errors'], r['seconds']
            log(f'[clip] {name:15s} {inp:5s} 2D: MPJPE '
                f'{err["mpjpe"].mean():6.1f} mm  P-MPJPE '
                f'{err["p_mpjpe"].mean():5.1f} mm  ({sec:.1f} s, '
                f'{len(kp) / sec:.0f} frames/s)')
        del model
    return out


def _metrics(lifted: dict) -> dict:
    return {inp: {name: dict(
        MPJPE=round(float(r['errors']['mpjpe'].mean()), 2),
        P_MPJPE=round(float(r['errors']['p_mpjpe'].mean()), 2),
        seconds=round(r['seconds'], 3)) for name, r in res.items()}
        for inp, res in lifted.items()}


def _frames(gt: np.ndarray, lifted: dict) -> list:
    frames = []
    for i in range(len(gt)):
        rec = dict(frame=int(i), ground_truth=np.round(gt[i], 5).tolist())
        for inp, res in lifted.items():
            rec[inp] = {name: dict(
                keypoints_3d=np.round(r['keypoints_3d'][i], 5).tolist(),
                keypoint_spread=None if r['spread'] is None else
                np.round(r['spread'][i], 5).tolist(),
                mpjpe_mm=round(float(r['errors']['mpjpe'][i]), 2))
                for name, r in res.items()}
        frames.append(rec)
    return frames


def _meta(clip: dict, models, clip_path: str, root: str) -> dict:
    from poselift_mm.geometry.skeleton import H36M17_NAMES
    return dict(
        clip=osp.relpath(clip_path, root) if clip_path.startswith(root)
        else clip_path, source=str(clip.get('source', '')),
        attribution=str(clip.get('attribution', '')),
        fps=float(clip['fps']), units='metres',
        frame='root-relative camera frame (x right, y down, z forward)',
        joint_names=list(H36M17_NAMES),
        models={name: dict(config=osp.relpath(cfg, root),
                           checkpoint=osp.relpath(ckpt, root))
                for name, cfg, ckpt in models},
        errors='root-aligned, mean over frames and joints, mm')


def write_json(path: str, clip: dict, models, lifted: dict,
               clip_path: str) -> None:
    """results.json (atomic): meta, metrics per input and model, and per
    frame every model's 3D and the ground truth (root-relative camera
    frame, metres)."""
    from poselift_mm.utils.io import atomic_path
    gt = clip['keypoints_3d'] - clip['keypoints_3d'][:, :1]
    doc = dict(meta=_meta(clip, models, clip_path, repo_root()),
               metrics=_metrics(lifted), frames=_frames(gt, lifted))
    with atomic_path(path) as tmp:
        with open(tmp, 'w') as f:
            json.dump(doc, f)


def run_clip_demo(clip_path: str, out_dir: str, show: str = 'noisy',
                  no_render: bool = False, device: str = None,
                  log=print) -> list:
    """The main job: results.json, and unless ``no_render`` comparison.png
    and the animation, under ``out_dir``; returns the written paths.
    Raises :class:`ClipError` before writing anything."""
    from poselift_mm.visualization.clip_figures import (write_animation,
                                                        write_figure)
    clip = load_clip(clip_path)
    models = resolve_models()
    os.makedirs(out_dir, exist_ok=True)
    log(f'[clip] {clip_path}: {len(clip["keypoints_3d"])} frames, '
        f'{clip.get("source", "")}')
    lifted = lift_clip(clip, models, device=device, log=log)
    out = osp.join(out_dir, 'results.json')
    write_json(out, clip, models, lifted, clip_path)
    written = [out]
    if not no_render:
        fig = osp.join(out_dir, 'comparison.png')
        write_figure(fig, clip, lifted, show)
        written += [fig, write_animation(out_dir, clip, lifted, show)]
    return written
