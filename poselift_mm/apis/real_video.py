"""The README main job on a real video (``tools/demo_clip.py``, first
part): BlazePose's 2D (:mod:`poselift_mm.apis.blazepose`) of the bundled
``demo/single_person_demo.mp4`` lifted by the three released lifters of
:data:`~poselift_mm.apis.demo_clip.CLIP_MODELS`, each at its own frame
rate (:func:`~poselift_mm.apis.track_lifting.lift_track`: the video
DiffPose sees 50 Hz windows of the 12 fps video). There is no ground truth:
the accuracy part of the main job is the CMU clip
(:mod:`poselift_mm.apis.demo_clip`). Writes under ``out_dir``:

  results.json  a results file of :mod:`poselift_mm.apis.output_schema`:
                per frame the person's ``keypoints_2d`` (Human3.6M-17 px,
                and ``keypoints_2d_coco``, BlazePose's COCO-17), scores,
                box, ``keypoints`` = the video DiffPose's 3D and every
                lifter's 3D under ``lifters`` (root-relative camera-frame
                metres); a frame without a person has no instance
  demo.mp4      (demo.gif without an mp4 writer) the frame with the 2D
                beside each lifter's 3D (:mod:`poselift_mm.visualization.
                video_figures`)
"""
import os
import os.path as osp
import time
import warnings
from typing import Optional

import numpy as np

__all__ = ['VideoError', 'PRIMARY', 'ATTRIBUTION', 'person_track',
           'lift_person', 'lift_video', 'video_frames', 'run_video_demo']

PRIMARY = 'DiffPose video'  # the lifter whose 3D is ``keypoints``
ATTRIBUTION = ('Video: single_person_demo.mp4 of the MMHuman3D demo '
               'resources (Apache-2.0, demo/LICENSE_mmhuman3d_Apache-2.0).')


class VideoError(ValueError):
    """A video that cannot be used (named in the message)."""


def person_track(frames: list) -> dict:
    """BlazePose frames -> the person's track over the frames that have
    one: ``frame_ids`` (N,), ``keypoints`` (N, 17, 2) COCO-17 px,
    ``scores`` (N, 17), ``bboxes`` (N, 4) px."""
    have = [f for f in frames if f['instances']]
    kp = np.zeros((len(have), 17, 2))
    sc = np.zeros((len(have), 17))
    bb = np.zeros((len(have), 4))
    for n, f in enumerate(have):
        inst = f['instances'][0]
        kp[n] = inst['keypoints']
        sc[n] = inst['keypoint_scores']
        bb[n] = np.reshape(inst['bbox'], 4)
    return dict(frame_ids=np.array([f['frame_id'] for f in have], int),
                keypoints=kp, scores=sc, bboxes=bb)


def lift_person(model, track: dict, image_size, fps: Optional[float]
                ) -> dict:
    """One lifter on ``track`` (:func:`person_track`) over the span of its
    frames (a frame without the person is a gap the lifter fills):
    ``keypoints_3d`` (N, 17, 3) root-relative camera-frame metres,
    ``keypoint_spread`` (N, 17) or None, ``translation`` (N, 3) or None,
    ``keypoints_2d`` (N, 17, 2) px and ``keypoint_scores`` (N, 17) in
    Human3.6M-17, ``model_fps``, ``resampled``."""
    from .track_lifting import lift_track, track_span
    rows, (kp, sc, bb) = track_span(track['frame_ids'], track['keypoints'],
                                    track['scores'], track['bboxes'])
    res = lift_track(model, kp, np.nan_to_num(sc, nan=0.), bb, image_size,
                     fps, keypoint_format='coco')
    out = dict(model_fps=res['model_fps'], resampled=res['resampled'])
    for key in ('keypoints_3d', 'keypoint_spread', 'translation',
                'keypoints_2d', 'keypoint_scores'):
        out[key] = None if res.get(key) is None else \
            np.asarray(res[key])[rows]
    return out


def lift_video(track: dict, models, image_size, fps, device=None,
               log=print) -> dict:
    """{name: :func:`lift_person` result + ``seconds``} of every
    ``(name, config, checkpoint)`` in ``models``."""
    from .lift import init_lifter
    from .model_zoo import load_config
    out = {}
    for name, cfg, ckpt in models:
        model = init_lifter(load_config(cfg), ckpt, device=device or 'cpu')
        t0 = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always')
            res = lift_person(model, track, image_size, fps)
        res['seconds'] = time.perf_counter() - t0
        notes = sorted({str(w.message).split(' and the')[0]
                        for w in caught if 'intrinsics' in str(w.message)})
        rate = (f'at {res["model_fps"]:g} Hz (resampled from {fps:g} fps)'
                if res['resampled'] else 'frame by frame'
                if (getattr(model, 'num_frames', None) or 1) == 1 else
                'at the video\'s rate')
        log(f'[video] {name:15s} {len(track["frame_ids"])} frames lifted '
            f'{rate} in {res["seconds"]:.1f} s'
            + ''.join(f'; {n}' for n in notes))
        out[name] = res
        del model
    return out


def _round(x, decimals=5):
    return None if x is None else np.round(np.asarray(x, np.float64),
                                           decimals).tolist()


def video_frames(frames: list, track: dict, lifted: dict,
                 fps: Optional[float]) -> list:
    """The results-file frames (module doc) of every video frame."""
    from .output_schema import make_instance
    row = {int(f): n for n, f in enumerate(track['frame_ids'])}
    out = []
    for f in frames:
        fid = int(f['frame_id'])
        rec = dict(frame_id=fid, instances=[])
        if fps:
            rec['time_s'] = round(fid / fps, 4)
        n = row.get(fid)
        if n is not None:
            main = lifted[PRIMARY] if PRIMARY in lifted else \
                next(iter(lifted.values()))
            pick = (lambda r, key: None if r.get(key) is None else
                    r[key][n])
            rec['instances'].append(make_instance(
                pick(main, 'keypoints_3d'), 0,
                pick(main, 'keypoint_scores'),
                pick(main, 'keypoint_spread'), pick(main, 'keypoints_2d'),
                pick(main, 'translation'), track['bboxes'][n],
                keypoints_2d_coco=_round(track['keypoints'][n], 3),
                keypoint_scores_coco=_round(track['scores'][n], 4),
                lifters={name: dict(
                    keypoints=_round(pick(r, 'keypoints_3d')),
                    keypoint_spread=_round(pick(r, 'keypoint_spread')),
                    translation=_round(pick(r, 'translation')))
                    for name, r in lifted.items()}))
        out.append(rec)
    return out


def _meta(video: str, info: dict, fps, models, lifted: dict) -> dict:
    from .blazepose import describe
    from .model_zoo import repo_root
    from .output_schema import make_meta
    root = repo_root()
    rel = (lambda p: osp.relpath(p, root) if osp.abspath(p).startswith(
        root) else p)
    lifters = {name: dict(config=rel(cfg), checkpoint=rel(ckpt),
                          model_fps=lifted[name]['model_fps'],
                          resampled=lifted[name]['resampled'],
                          seconds=round(lifted[name]['seconds'], 3))
               for name, cfg, ckpt in models}
    primary = lifters.get(PRIMARY) or next(iter(lifters.values()))
    return make_meta(
        model=dict(config=primary['config'],
                   checkpoint=primary['checkpoint']),
        fps=fps, image_size=(info['width'], info['height']),
        input=rel(video), pose2d=describe(), keypoints_lifter=PRIMARY,
        lifters=lifters, frames_read=info.get('frames_read'),
        attribution=ATTRIBUTION,
        created=time.strftime('%Y-%m-%dT%H:%M:%S%z'))


def _animation(out_dir: str, images, frames, track, lifted, fps) -> str:
    from poselift_mm.utils.io import atomic_path
    from poselift_mm.visualization import mp4_writer_works
    from poselift_mm.visualization.video_figures import (
        overlay_2d, write_video_animation)
    gif = not mp4_writer_works()
    path = osp.join(out_dir, 'demo.gif' if gif else 'demo.mp4')
    row = {int(f): n for n, f in enumerate(track['frame_ids'])}
    drawn, poses = [], {name: [] for name in lifted}
    h36m_2d = next(iter(lifted.values()))['keypoints_2d']
    for f, (img, scale) in zip(frames, images):
        img = img.copy()
        n = row.get(int(f['frame_id']))
        if n is not None:
            overlay_2d(img, h36m_2d[n], scale)
        drawn.append(img)
        for name, r in lifted.items():
            poses[name].append(None if n is None else r['keypoints_3d'][n])
    titles = {name: name + (f' ({r["model_fps"]:g} Hz windows)'
                            if r['resampled'] else '')
              for name, r in lifted.items()}
    rate = fps or 10.
    with atomic_path(path) as tmp:
        write_video_animation(
            tmp, drawn, poses, rate, gif, titles,
            lambda i: f'frame {i} ({i / rate:.2f} s): 2D beside each '
            'lifter\'s 3D (root-relative, seen from the camera turned 25°)')
    return path


def run_video_demo(video: str, out_dir: str, fps: Optional[float] = None,
                   max_frames: Optional[int] = None, no_render=False,
                   device=None, log=print) -> list:
    """BlazePose on ``video``, the released lifters on its person,
    results.json and (unless ``no_render``) the animation under
    ``out_dir``; returns the written paths. ``fps`` None: the video's
    (OpenCV's CAP_PROP_FPS). Raises :class:`VideoError` and
    :class:`~poselift_mm.apis.blazepose.BlazePoseUnavailable`."""
    from .blazepose import require_mediapipe, run_blazepose
    from .demo_clip import resolve_models
    from .output_schema import write_results
    from poselift_mm.visualization.video_figures import panel_image
    require_mediapipe()
    if not osp.isfile(video):
        raise VideoError(f'{video}: video file not found')
    models = resolve_models()
    info, images = {}, []
    t0 = time.perf_counter()
    try:
        frames = run_blazepose(
            video, max_frames, info=info, on_frame=None if no_render else
            (lambda i, img, rec: images.append(panel_image(img))))
    except ValueError as err:
        raise VideoError(str(err)) from None
    fps = fps or info.get('fps')
    track = person_track(frames)
    log(f'[video] {video}: {len(frames)} frames ({info["width"]} x '
        f'{info["height"]} px, {fps or "unknown"} fps); BlazePose found the '
        f'person in {len(track["frame_ids"])} in '
        f'{time.perf_counter() - t0:.1f} s')
    if not len(track['frame_ids']):
        raise VideoError(f'{video}: BlazePose found no person')
    lifted = lift_video(track, models, (info['width'], info['height']), fps,
                        device, log)
    os.makedirs(out_dir, exist_ok=True)
    path = osp.join(out_dir, 'results.json')
    write_results(path, _meta(video, info, fps, models, lifted),
                  video_frames(frames, track, lifted, fps))
    written = [path]
    if not no_render:
        t0 = time.perf_counter()
        written.append(_animation(out_dir, images, frames, track, lifted,
                                  fps))
        log(f'[video] rendered in {time.perf_counter() - t0:.1f} s')
    return written
