"""An animation of a results file (:mod:`poselift_mm.apis.output_schema`):
``tools/lift.py --render out.mp4``.

Each frame: the lifter's 2D input (``keypoints_2d``, joints coloured by
score; the view fixed over the whole clip) beside the 3D skeletons, drawn
in the display frame of :mod:`poselift_mm.visualization.display` (root-
relative poses, the lowest joint on the floor, seen as the camera saw them
turned by 20 degrees), limbs coloured by side, joints by track. An mp4
(OpenCV ``mp4v``) or, for a ``.gif`` path or when OpenCV cannot write mp4
here, a GIF beside it (Pillow).
"""
import os.path as osp
from typing import Optional

import numpy as np

__all__ = ['render_results', 'DEFAULT_FPS']

DEFAULT_FPS = 25.  # when neither the caller nor the file knows the rate


def _limits_2d(frames) -> Optional[tuple]:
    pts = [np.asarray(i['keypoints_2d'], np.float64) for f in frames
           for i in f['instances'] if i.get('keypoints_2d') is not None]
    if not pts:
        return None
    pts = np.concatenate(pts)
    pts = pts[np.isfinite(pts).all(1)]
    if not len(pts):
        return None
    lo, hi = pts.min(0), pts.max(0)
    ctr, half = (lo + hi) / 2, 0.55 * max((hi - lo).max(), 100.)
    return ctr, half


def _draw_frame(fig, frame: dict, lim2d, title: str) -> None:
    from poselift_mm.visualization import (camera_to_display,
                                           draw_skeleton_2d,
                                           draw_skeleton_3d, track_colour,
                                           view_azimuth)
    fig.clear()
    insts = frame['instances']
    if lim2d is not None:
        ax = fig.add_axes((0.02, 0.08, 0.40, 0.84))
        for inst in insts:
            kp = inst.get('keypoints_2d')
            if kp is None or not np.isfinite(np.asarray(kp, float)).all():
                continue
            sc = inst.get('keypoint_scores')
            sc = None if sc is None or None in sc else np.asarray(sc)
            draw_skeleton_2d(ax, np.asarray(kp, np.float64), sc)
        (cx, cy), half = lim2d
        ax.set_xlim(cx - half, cx + half)
        ax.set_ylim(cy + half, cy - half)
        ax.set_title('2D input (px)', fontsize=9)
    ax = fig.add_axes((0.42, -0.04, 0.58, 1.04) if lim2d is not None else
                      (0.0, -0.04, 1.0, 1.04), projection='3d')
    for inst in insts:
        kp = np.asarray(inst['keypoints'], np.float64)
        if not np.isfinite(kp).all():
            continue
        draw_skeleton_3d(ax, camera_to_display(kp),
                         joints=track_colour(inst.get('track_id', 0)))
    ax.set_xlim(-1., 1.)
    ax.set_ylim(-1., 1.)
    ax.set_zlim(0., 2.)
    ax.set_box_aspect((2., 2., 2.))
    ax.view_init(elev=15., azim=view_azimuth(20.))
    ax.set_xlabel('X (m)', fontsize=7)
    ax.set_ylabel('Y depth (m)', fontsize=7)
    ax.set_zlabel('Z up (m)', fontsize=7)
    ax.tick_params(labelsize=6)
    fig.suptitle(title, fontsize=9)


def render_results(results, out_path: str, fps: Optional[float] = None,
                   log=None) -> str:
    """Render ``results`` (a results-file path, or ``(meta, frames)``) to
    ``out_path`` (.mp4, or .gif); ``fps`` None: the file's ``meta.fps``,
    else :data:`DEFAULT_FPS`. Returns the path written: ``out_path``, or
    the same name with ``.gif`` when OpenCV cannot write an mp4 here (then
    ``log`` says so). Written atomically."""
    import matplotlib
    matplotlib.use('Agg', force=False)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from poselift_mm.utils.io import atomic_path
    from poselift_mm.visualization import AnimationWriter, mp4_writer_works
    from poselift_mm.visualization.renderer import figure_rgb
    from .output_schema import read_results
    meta, frames = read_results(results) if not isinstance(
        results, tuple) else results
    if not frames:
        raise ValueError('render_results: the results have no frame')
    fps = float(fps or meta.get('fps') or DEFAULT_FPS)
    if not fps > 0:
        raise ValueError(f'render_results: fps must be > 0, got {fps}')
    out_path = str(out_path)
    gif = out_path.lower().endswith('.gif')
    if not gif and not mp4_writer_works():
        out_path = osp.splitext(out_path)[0] + '.gif'
        gif = True
        if log is not None:
            log(f'no working mp4 writer in OpenCV: writing {out_path}')
    lim2d = _limits_2d(frames)
    fig = Figure(figsize=(10., 5.) if lim2d is not None else (5.5, 5.),
                 dpi=80)
    canvas = FigureCanvasAgg(fig)
    with atomic_path(out_path) as tmp:
        writer = AnimationWriter(tmp, fps, gif)
        for frame in frames:
            n = len(frame['instances'])
            t = frame['frame_id'] / fps
            _draw_frame(fig, frame, lim2d,
                        f"frame {frame['frame_id']} ({t:.2f} s): {n} "
                        f"{'person' if n == 1 else 'people'}")
            writer.add(figure_rgb(canvas))
        writer.close()
    return out_path
