"""Drawing Human3.6M-17 skeletons, and the frame renderer of
``tools/demo.py``: the image with the 2D skeletons and boxes beside a 3D
view of the lifted skeletons.

3D poses are drawn in the display frame of
:mod:`poselift_mm.visualization.display` (metres, ``Z`` up), limbs
coloured by body side (:mod:`poselift_mm.visualization.skeleton`).
"""
import numpy as np

from .display import view_azimuth
from .skeleton import edge_colours, skeleton_edges, to_uint8, track_colour

__all__ = ['draw_skeleton_3d', 'draw_skeleton_2d', 'draw_skeleton_cv2',
           'figure_rgb', 'SkeletonRenderer', 'PANEL_PX']

PANEL_PX = 480  # height of both panels of the demo's animation


def draw_skeleton_3d(ax, pose, colours=None, lw: float = 2., ls: str = '-',
                     joints=None, joint_size: float = 6.) -> None:
    """Draw ``pose`` (K, 3) display-frame metres on a 3D axes: edge ``e``
    in ``colours[e]`` ((E, 3) RGB, default :func:`edge_colours`), the
    joints as dots of colour ``joints`` (None: no dots)."""
    pose = np.asarray(pose, np.float64)
    colours = edge_colours() if colours is None else colours
    for (a, b), col in zip(skeleton_edges(), colours):
        ax.plot(*zip(pose[a], pose[b]), color=tuple(col), lw=lw, ls=ls)
    if joints is not None:
        ax.scatter(pose[:, 0], pose[:, 1], pose[:, 2], color=joints,
                   s=joint_size)


def draw_skeleton_2d(ax, keypoints, scores=None, lw: float = 1.5) -> None:
    """Draw (K, 2) pixel ``keypoints`` on a 2D axes (image coordinates, y
    down): limbs by side, joints coloured by ``scores`` (K,) in [0, 1]
    (viridis; None: all 1); the view is fitted around the person."""
    kp = np.asarray(keypoints, np.float64)
    for (a, b), col in zip(skeleton_edges(), edge_colours()):
        ax.plot(*zip(kp[a], kp[b]), color=tuple(col), lw=lw)
    sc = np.ones(len(kp)) if scores is None else scores
    ax.scatter(kp[:, 0], kp[:, 1], c=sc, cmap='viridis', vmin=0, vmax=1,
               s=10, zorder=3)
    lo, hi = kp.min(0), kp.max(0)
    ctr, half = (lo + hi) / 2, 0.6 * max((hi - lo).max(), 200.)
    ax.set_xlim(ctr[0] - half, ctr[0] + half)
    ax.set_ylim(ctr[1] + half, ctr[1] - half)
    ax.set_aspect('equal')
    ax.set_xticks([])
    ax.set_yticks([])


def draw_skeleton_cv2(img: np.ndarray, keypoints: np.ndarray,
                      joint_colour) -> None:
    """Draw (K, 2) integer pixel ``keypoints`` on an (H, W, 3) uint8 RGB
    image in place: limbs by side, joints in ``joint_colour`` (RGB 0-255)."""
    import cv2
    for (a, b), col in zip(skeleton_edges(), edge_colours()):
        cv2.line(img, tuple(keypoints[a]), tuple(keypoints[b]),
                 to_uint8(col), 2, cv2.LINE_AA)
    for p in keypoints:
        cv2.circle(img, tuple(p), 3, joint_colour, -1, cv2.LINE_AA)


def figure_rgb(canvas) -> np.ndarray:
    """The drawn (H, W, 3) uint8 RGB pixels of an Agg canvas."""
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].copy()


class SkeletonRenderer:
    """One animation frame (H, W, 3) uint8 RGB: the image with the 2D
    skeletons and boxes, beside a matplotlib 3D view of the 3D skeletons
    (fixed axis limits, metres, the display frame). Limbs are coloured by
    side; joints and boxes by track."""

    def __init__(self, panel_px: int = PANEL_PX, half_width_m: float = 1.,
                 height_m: float = 2., rebased: bool = True):
        import matplotlib
        matplotlib.use('Agg', force=False)
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        self.panel = int(panel_px) // 2 * 2
        self.fig = Figure(figsize=(self.panel / 100., self.panel / 100.),
                          dpi=100)
        self.canvas = FigureCanvasAgg(self.fig)
        self.fig.subplots_adjust(left=0., right=1., bottom=0., top=0.95)
        self.ax = self.fig.add_subplot(projection='3d')
        self.half = float(half_width_m)
        self.zlim = (0., height_m) if rebased else (-height_m / 2,
                                                    height_m / 2)

    def _image_panel(self, img_bgr, instances):
        import cv2
        h, w = img_bgr.shape[:2]
        out_w = max(2, int(round(w * self.panel / h)) // 2 * 2)
        img = cv2.resize(img_bgr, (out_w, self.panel),
                         interpolation=cv2.INTER_AREA)
        img = np.ascontiguousarray(img[..., ::-1])  # RGB
        scale = np.array([out_w / w, self.panel / h])
        for inst in instances:
            col = to_uint8(track_colour(inst['track_id']))
            kp = np.asarray(inst['keypoints_2d'], np.float64) * scale
            if not np.isfinite(kp).all():
                continue
            draw_skeleton_cv2(img, np.round(kp).astype(np.int32), col)
            x1, y1, x2, y2 = (np.asarray(inst['bbox']) * np.tile(scale, 2)
                              ).round().astype(int)
            cv2.rectangle(img, (x1, y1), (x2, y2), col, 1)
        return img

    def _setup_3d(self, title: str) -> None:
        ax = self.ax
        ax.set_xlim(-self.half, self.half)
        ax.set_ylim(-self.half, self.half)
        ax.set_zlim(*self.zlim)
        ax.set_box_aspect((2 * self.half, 2 * self.half,
                           self.zlim[1] - self.zlim[0]))
        # seen from +Y as the camera saw it, turned by 20 degrees
        ax.view_init(elev=15., azim=view_azimuth(20.))
        ax.set_xlabel('X (m)')
        ax.set_ylabel('Y depth (m)')
        ax.set_zlabel('Z up (m)')
        ax.set_title(title, fontsize=9)

    def _3d_panel(self, instances, title: str):
        self.ax.cla()
        for inst in instances:
            draw_skeleton_3d(self.ax, inst['keypoints_3d'],
                             joints=track_colour(inst['track_id']))
        self._setup_3d(title)
        return figure_rgb(self.canvas)

    def render(self, img_bgr, record) -> np.ndarray:
        """(H, W, 3) uint8 RGB of one demo frame and its record."""
        left = self._image_panel(img_bgr, record['instances'])
        n = len(record['instances'])
        right = self._3d_panel(record['instances'],
                               f"frame {record['frame']}: {n} "
                               f"{'person' if n == 1 else 'people'}")
        return np.concatenate([left, right], 1)
