"""The figure and the animation of ``tools/demo_clip.py``: the bundled
clip's 2D input beside every lifter's 3D pose and the ground truth.

3D poses come as root-relative camera-frame metres and are drawn in the
display frame (:func:`~poselift_mm.visualization.display.camera_to_display`,
not rebased), seen from +Y as the camera saw them. Each lifter has its own
colour (:data:`COLOURS`), its left limbs darker and right limbs lighter;
the ground truth is dashed. Legends sit outside the 3D axes.
"""
import os
import os.path as osp

import numpy as np

from .animation import AnimationWriter, mp4_writer_works
from .display import camera_to_display, view_azimuth
from .renderer import draw_skeleton_2d, draw_skeleton_3d, figure_rgb
from .skeleton import edge_colours

__all__ = ['COLOURS', 'write_figure', 'render_frame', 'write_animation']

GT = 'ground truth'
COLOURS = {GT: (0.15, 0.15, 0.15), 'ZeDO': (0.84, 0.15, 0.16),
           'DiffPose frame': (0.12, 0.47, 0.71),
           'DiffPose video': (0.17, 0.63, 0.17)}
SIDES = 'left limbs darker, right limbs lighter'
ANIM_2D_BOX = (0.03, 0.30, 0.33, 0.60)  # figure fractions: x, y, w, h
ANIM_3D_BOX = (0.40, -0.05, 0.62, 1.10)  # beyond the figure: mplot3d margin


def _input_2d(clip: dict, show: str):
    """(N, 17, 2) px 2D input and its (N, 17) scores (None: exact 2D)."""
    if show == 'noisy':
        return clip['keypoints_2d_noisy'], clip['scores_noisy']
    return clip['keypoints_2d'], None


def _ground_truth(clip: dict) -> np.ndarray:
    """(N, 17, 3) root-relative camera-frame ground truth."""
    return clip['keypoints_3d'] - clip['keypoints_3d'][:, :1]


def draw_pose(ax, pose_cam, name: str, lw: float = 2.) -> None:
    """(17, 3) root-relative camera-frame pose of ``name`` on a 3D axes."""
    ls = '--' if name == GT else '-'
    draw_skeleton_3d(ax, camera_to_display(pose_cam, rebase=False),
                     edge_colours(COLOURS.get(name, COLOURS[GT])),
                     lw=1.5 if name == GT else lw, ls=ls)


def setup_3d(ax, title: str) -> None:
    ax.set_xlim(-0.9, 0.9)
    ax.set_ylim(-0.9, 0.9)
    ax.set_zlim(-1.0, 0.9)
    ax.set_box_aspect((1.8, 1.8, 1.9))
    ax.view_init(elev=12., azim=view_azimuth(25.))
    ax.set_xticklabels([])
    ax.set_yticklabels([])
    ax.set_zticklabels([])
    ax.set_title(title, fontsize=9)


def legend_handles(labels: dict) -> list:
    """Line handles {name: label}: each name's colour, GT dashed."""
    from matplotlib.lines import Line2D
    return [Line2D([], [], color=COLOURS.get(name, COLOURS[GT]),
                   ls='--' if name == GT else '-', label=label)
            for name, label in labels.items()]


def _error_plot(ax, clip: dict, res: dict) -> None:
    t = np.arange(len(clip['keypoints_3d'])) / float(clip['fps'])
    for name, r in res.items():
        e = r['errors']['mpjpe']
        ax.plot(t, e, color=COLOURS[name],
                label=f'{name}: mean {e.mean():.1f} mm')
    ax.set_xlabel('time (s)')
    ax.set_ylabel('MPJPE (mm)')
    ax.set_ylim(0, None)
    ax.legend(fontsize=8, loc='upper right')
    ax.grid(alpha=0.3)


def write_figure(path: str, clip: dict, lifted: dict, show: str) -> None:
    """PNG: 3 frames x (2D input, each lifter against the ground truth)
    and the per-frame MPJPE of every lifter."""
    import matplotlib
    matplotlib.use('Agg', force=False)
    from matplotlib.figure import Figure

    from poselift_mm.utils.io import atomic_path
    res = lifted[show]
    kp, sc = _input_2d(clip, show)
    gt = _ground_truth(clip)
    picks = np.linspace(0, len(kp) - 1, 3).round().astype(int)
    cols = 1 + len(res)
    fig = Figure(figsize=(3.2 * cols, 3.1 * 3 + 2.6), dpi=90)
    grid = fig.add_gridspec(4, cols, height_ratios=[1, 1, 1, 0.8])
    for r, i in enumerate(picks):
        ax = fig.add_subplot(grid[r, 0])
        draw_skeleton_2d(ax, kp[i], None if sc is None else sc[i])
        ax.set_title(f'frame {i}: {show} 2D input', fontsize=9)
        for c, (name, rr) in enumerate(res.items(), start=1):
            ax = fig.add_subplot(grid[r, c], projection='3d')
            draw_pose(ax, gt[i], GT)
            draw_pose(ax, rr['keypoints_3d'][i], name)
            setup_3d(ax, f'{name}: {rr["errors"]["mpjpe"][i]:.0f} mm')
    _error_plot(fig.add_subplot(grid[3, :]), clip, res)
    fig.suptitle(f'CMU clip ({clip.get("source", "")}) lifted from '
                 f'{show} 2D: each lifter (solid) vs ground truth (dashed); '
                 f'{SIDES}', fontsize=10)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format='png')


def render_frame(fig, clip: dict, lifted: dict, show: str, i: int) -> None:
    """Draw frame ``i`` on ``fig`` (cleared): the 2D input (left), its
    legend below it, every lifter and the ground truth in 3D (right)."""
    res = lifted[show]
    kp, sc = _input_2d(clip, show)
    fig.clear()
    ax = fig.add_axes(ANIM_2D_BOX)
    draw_skeleton_2d(ax, kp[i], None if sc is None else sc[i])
    ax.set_title(f'{show} 2D input, frame {i}', fontsize=9)
    ax = fig.add_axes(ANIM_3D_BOX, projection='3d')
    draw_pose(ax, _ground_truth(clip)[i], GT)
    for name, r in res.items():
        draw_pose(ax, r['keypoints_3d'][i], name)
    setup_3d(ax, '')
    labels = {GT: GT, **{name: f'{name} {r["errors"]["mpjpe"][i]:.0f} mm'
                         for name, r in res.items()}}
    fig.legend(handles=legend_handles(labels), loc='lower left',
               bbox_to_anchor=(0.01, 0.01), fontsize=8, title=SIDES,
               title_fontsize=7)


def write_animation(out_dir: str, clip: dict, lifted: dict, show: str,
                    step: int = 2) -> str:
    """``out_dir/demo.mp4`` (``demo.gif`` without an mp4 writer) of every
    ``step``-th frame; returns its path."""
    import matplotlib
    matplotlib.use('Agg', force=False)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    gif = not mp4_writer_works()
    path = osp.join(out_dir, 'demo.gif' if gif else 'demo.mp4')
    tmp = path + ('.tmp.gif' if gif else '.tmp.mp4')
    writer = AnimationWriter(tmp, float(clip['fps']) / step, gif)
    fig = Figure(figsize=(9.0, 4.5), dpi=80)
    canvas = FigureCanvasAgg(fig)
    try:
        for i in range(0, len(clip['keypoints_3d']), step):
            render_frame(fig, clip, lifted, show, i)
            writer.add(figure_rgb(canvas))
        writer.close()
        os.replace(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
    return path
