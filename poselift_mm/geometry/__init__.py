"""Camera geometry, pose alignment and checks (numpy or torch in, same out)."""
from .camera import (camera_from_pkl, camera_to_world, pixels_to_rays,
                     project_onto_rays, project_to_pixels,
                     undistort_normalized, world_to_camera)
from .checks import CameraParamError, check_camera, check_points, torchify
from .keypoint_formats import convert_keypoints, convert_scores
from .pose import mpjpe, p_mpjpe, procrustes_align, root_relative
from .screen import pixels_to_screen, screen_to_pixels, topdown_heatmap_affine
from .skeleton import (H36M17_NAMES, H36M17_PARENTS, H36M_FLIP_INDICES,
                       H36M_FLIP_PAIRS, H36M_LEFT, H36M_RIGHT,
                       axis_angle_to_matrix, forward_kinematics,
                       quaternion_to_matrix)

__all__ = [
    'world_to_camera', 'camera_to_world', 'project_to_pixels',
    'undistort_normalized', 'pixels_to_rays', 'project_onto_rays',
    'camera_from_pkl', 'check_points', 'check_camera', 'CameraParamError',
    'torchify', 'procrustes_align', 'root_relative', 'mpjpe', 'p_mpjpe',
    'axis_angle_to_matrix', 'forward_kinematics', 'H36M17_NAMES',
    'H36M17_PARENTS', 'H36M_FLIP_INDICES', 'H36M_FLIP_PAIRS', 'H36M_LEFT',
    'H36M_RIGHT', 'convert_keypoints', 'convert_scores',
    'quaternion_to_matrix', 'pixels_to_screen', 'screen_to_pixels',
    'topdown_heatmap_affine'
]
