"""The animation of the main job's real video: each frame's image with the
detector's 2D skeleton drawn on it, beside every lifter's 3D pose in a
panel of its own.

Limbs are coloured by the person's side in the image and in every 3D
panel alike (:data:`~poselift_mm.visualization.skeleton.SIDE_COLOURS`:
left green, right orange, centre blue), so a left/right swap between the
2D and a lifter shows as a colour swap. 3D poses come as root-relative
camera-frame metres and are drawn in the display frame
(:func:`~poselift_mm.visualization.display.camera_to_display`, not
rebased), seen from +Y as the camera saw them, turned by 25 degrees. The
legend sits in a strip below all panels, outside every axes.
"""
from typing import Dict, Optional, Sequence

import numpy as np

from .animation import AnimationWriter
from .clip_figures import setup_3d
from .display import camera_to_display
from .renderer import draw_skeleton_cv2, figure_rgb
from .skeleton import SIDE_COLOURS, edge_colours, skeleton_edges

__all__ = ['VIDEO_LAYOUT', 'panel_image', 'overlay_2d', 'VideoFrameRenderer',
           'write_video_animation']

# figure fractions (x, y, w, h): the legend strip is y < LEGEND_TOP
LEGEND_TOP = 0.09
VIDEO_LAYOUT = dict(image=(0.01, LEGEND_TOP + 0.01, 0.19, 0.82),
                    first_3d_x=0.20, width_3d=0.27, height_3d=0.88)


def panel_image(img_bgr: np.ndarray, height: int = 480):
    """(image resized to ``height`` px as RGB uint8, its scale)."""
    import cv2
    h, w = img_bgr.shape[:2]
    s = height / float(h)
    size = (max(2, int(round(w * s))), int(height))
    img = cv2.resize(img_bgr, size, interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(img[..., ::-1]), s


def overlay_2d(img_rgb: np.ndarray, keypoints_2d, scale: float) -> None:
    """Draw the (17, 2) px Human3.6M-17 ``keypoints_2d`` (of the full-size
    image) scaled by ``scale`` on ``img_rgb`` in place, limbs by side."""
    kp = np.round(np.asarray(keypoints_2d, np.float64) * scale)
    draw_skeleton_cv2(img_rgb, kp.astype(np.int32), (255, 255, 255))


def _legend(fig) -> None:
    from matplotlib.lines import Line2D
    labels = dict(left="the person's left", right="the person's right",
                  centre='centre')
    handles = [Line2D([], [], color=SIDE_COLOURS[s], lw=3, label=label)
               for s, label in labels.items()]
    fig.legend(handles=handles, loc='lower center', ncol=3, fontsize=9,
               bbox_to_anchor=(0.5, 0.005), frameon=False)


class VideoFrameRenderer:
    """The figure of one animation frame, built once and updated per frame
    (new axes per frame would cost most of the rendering time):
    :meth:`draw` takes ``img_rgb`` (the 2D already drawn on it) and, per
    lifter, its (17, 3) root-relative camera-frame pose (None: no person
    in this frame), and returns the frame (H, W, 3) uint8 RGB."""

    def __init__(self, names: Sequence[str], titles=None,
                 figsize=(12.8, 5.0), dpi: int = 80):
        import matplotlib
        matplotlib.use('Agg', force=False)
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        lay = VIDEO_LAYOUT
        self.fig = Figure(figsize=figsize, dpi=dpi)
        self.canvas = FigureCanvasAgg(self.fig)
        self.img_ax = self.fig.add_axes(lay['image'])
        self.img_ax.set_axis_off()
        self.img_ax.set_title('BlazePose 2D', fontsize=9)
        self.image = None
        self.lines = {}
        for c, name in enumerate(names):
            box = (lay['first_3d_x'] + c * lay['width_3d'], LEGEND_TOP,
                   lay['width_3d'], lay['height_3d'])
            ax = self.fig.add_axes(box, projection='3d')
            self.lines[name] = [ax.plot([], [], [], color=tuple(col),
                                        lw=2.5)[0]
                                for col in edge_colours()]
            setup_3d(ax, (titles or {}).get(name, name))
        _legend(self.fig)
        self.title = self.fig.suptitle('', fontsize=10, y=0.995)

    def draw(self, img_rgb: np.ndarray, poses: Dict[str, Optional[
            np.ndarray]], title: str) -> np.ndarray:
        if self.image is None:
            self.image = self.img_ax.imshow(img_rgb)
        else:
            self.image.set_data(img_rgb)
        for name, lines in self.lines.items():
            pose = poses.get(name)
            d = None if pose is None else camera_to_display(pose,
                                                            rebase=False)
            for line, (a, b) in zip(lines, skeleton_edges()):
                line.set_visible(d is not None)
                if d is not None:
                    line.set_data_3d(*zip(d[a], d[b]))
        self.title.set_text(title)
        return figure_rgb(self.canvas)


def write_video_animation(tmp_path: str, images: Sequence[np.ndarray],
                          poses: Dict[str, Sequence[Optional[np.ndarray]]],
                          fps: float, gif: bool, titles=None,
                          caption=None) -> int:
    """Write the animation of ``images`` (RGB, 2D drawn) and ``poses``
    ({lifter: per frame (17, 3) or None}) to ``tmp_path`` (the caller
    renames it); ``caption(i)`` gives frame i's title. Returns the number
    of frames written."""
    renderer = VideoFrameRenderer(list(poses), titles)
    writer = AnimationWriter(tmp_path, fps, gif)
    for i, img in enumerate(images):
        writer.add(renderer.draw(img, {k: v[i] for k, v in poses.items()},
                                 caption(i) if caption else f'frame {i}'))
    writer.close()
    return writer.count
