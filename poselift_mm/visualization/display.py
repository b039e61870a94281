"""The one display frame every 3D pose is drawn or written in.

Convention (MMPose's, the frame ``Pose3DInferencer`` writes its
``keypoints_3d`` in), from the lifter's root-relative camera frame (x right,
y down, z forward, metres):

* ``X = -x`` : horizontal, mirrored (see below);
* ``Y = z``  : depth, away from the camera;
* ``Z = -y`` : up (height); with ``rebase`` the lowest joint is at ``Z = 0``
  (the person stands on the plane ``Z = 0``).

The frame is a mirror of the camera frame (determinant -1). It is kept
because MMPose's inferencer, its 3D visualiser and our ``results.json``
files use it: a pose of ``tools/demo.py`` / ``relift_offline`` is directly
comparable with MMPose's own output. Seen from behind the person (from +Y,
matplotlib ``azim=90``) a display-frame pose looks as the camera saw it:
screen right = -X = camera x, screen up = Z. The renderers of
:mod:`poselift_mm.visualization` therefore view it from +Y turned by a few
tens of degrees (:func:`view_azimuth`). :func:`display_to_camera` undoes
the mapping up to the root position.
"""
import numpy as np

__all__ = ['DISPLAY_FRAME', 'camera_to_display', 'display_to_camera',
           'view_azimuth']

# the frame, as written into the demo's results.json
DISPLAY_FRAME = ('MMPose display frame: X = -x_cam, Y = z_cam (depth), '
                 'Z = -y_cam (up), lowest joint at Z = 0')


def camera_to_display(keypoints_3d: np.ndarray,
                      rebase: bool = True) -> np.ndarray:
    """(..., K, 3) root-relative camera frame -> MMPose's display frame
    (``X = -x``, ``Y = z``, ``Z = -y``; with ``rebase`` the lowest joint at
    ``Z = 0``), as ``Pose3DInferencer.forward`` makes it."""
    c = np.asarray(keypoints_3d, np.float64)
    d = np.stack([-c[..., 0], c[..., 2], -c[..., 1]], -1)
    if rebase:
        d[..., 2] -= d[..., 2].min(-1, keepdims=True)
    return d


def display_to_camera(keypoints_3d: np.ndarray,
                      root_index: int = 0) -> np.ndarray:
    """(..., K, 3) display frame -> (..., K, 3) root-relative camera frame
    (x right, y down, z forward), metres."""
    d = np.asarray(keypoints_3d, np.float64)
    d = d - d[..., root_index:root_index + 1, :]
    return np.stack([-d[..., 0], -d[..., 2], d[..., 1]], -1)


def view_azimuth(turn_deg: float = 0.) -> float:
    """Matplotlib ``azim`` (degrees) that shows display-frame poses as the
    camera saw them (viewer on +Y: 90), turned by ``turn_deg``."""
    return 90. - float(turn_deg)
