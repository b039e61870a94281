"""Drawing lifted poses: the display frame every 3D pose is drawn or
written in (:mod:`.display`), skeleton edges and side colours
(:mod:`.skeleton`), skeleton drawing and the demo's frame renderer
(:mod:`.renderer`), the animation writer (:mod:`.animation`) and the
figures of the bundled-clip demo (:mod:`.clip_figures`). Matplotlib,
OpenCV and Pillow are imported only when something is drawn."""
from .animation import AnimationError, AnimationWriter, mp4_writer_works
from .display import (DISPLAY_FRAME, camera_to_display, display_to_camera,
                      view_azimuth)
from .renderer import (PANEL_PX, SkeletonRenderer, draw_skeleton_2d,
                       draw_skeleton_3d, draw_skeleton_cv2)
from .skeleton import (SIDE_COLOURS, edge_colours, edge_sides,
                       skeleton_edges, track_colour)

__all__ = [
    'DISPLAY_FRAME', 'camera_to_display', 'display_to_camera',
    'view_azimuth',
    'SIDE_COLOURS', 'skeleton_edges', 'edge_sides', 'edge_colours',
    'track_colour', 'draw_skeleton_3d', 'draw_skeleton_2d',
    'draw_skeleton_cv2', 'SkeletonRenderer', 'PANEL_PX', 'AnimationWriter',
    'AnimationError', 'mp4_writer_works'
]
