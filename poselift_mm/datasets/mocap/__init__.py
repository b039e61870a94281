"""Motion capture -> MMPose Human3.6M-format 2D/3D training pairs.

Two inputs become 17-joint poses in MMPose's ``h36m`` order:

* Human3.6M exponential maps in the layout of Martinez et al. 2017, "On human
  motion prediction" (``(T, 99)``: root translation delta, root rotation
  delta, 32 joint rotations; the first joint's rotation is the root's) with
  the 32-joint skeleton ``skeleton_h36m32.json``: ``expmap``;
* BVH files (the CMU skeleton in its two common namings), see
  ``CMU_TO_H36M17``: ``bvh``.

Each sequence (``sequence.MocapSequence``) is then placed in the Human3.6M
world (z up, levelled, lowest foot point of the sequence at z = 0, centred in
the floor area that all the chosen cameras see: ``placement``), projected
through real Human3.6M cameras with lens distortion and written with the
``h36m_format`` writers, optionally with a detector-like noisy copy of the 2D
keypoints (``noise``, ``convert``).

Conventions. Mocap frames are y up with, at rest, the actor's left along +x
and forward along +z (both inputs); ``Y_UP_TO_Z_UP`` is the proper rotation
(x, y, z) -> (x, -z, y) into a z-up frame (no mirroring). Rotation matrices
act on column vectors (``child = parent_pos + R_parent_global @ offset``, as
``poselift_mm.geometry.forward_kinematics``). Martinez's code uses row
vectors, ``xyz = offset . R``, with ``R = expmap2rotmat(r)`` (Rodrigues), so
its matrices are the transposes of ours: ``R_ours = R_martinez^T =
axis_angle_to_matrix(-r)``.
"""
from ..h36m_format import H36M_CAMERA_IDS
from .bvh import (BVH_UNITS_M, CMU_FEET, CMU_TO_H36M17, BvhData,
                  bvh_forward_kinematics, bvh_sequence, bvh_unit_m,
                  euler_to_matrix, read_bvh)
from .convert import (DEFAULT_SPLITS, H36M_VIDEO_FPS, convert_mocap_files,
                      convert_to_h36m, load_cameras_pkl, subject_cameras)
from .expmap import (EXPMAP_COLUMNS, EXPMAP_FPS, H36M32_FEET, H36M_ACTIONS,
                     check_expmap, expmap_root_trajectory, expmap_sequences,
                     expmap_to_h36m17, expmap_to_joints32, load_expmap_npz,
                     load_skeleton32, parse_expmap_key, select_expmap_keys)
from .noise import DetectionNoise, keyed_rng
from .placement import (body_vertical, capture_centre, estimate_up,
                        place_sequence, rotation_between)
from .sequence import Y_UP_TO_Z_UP, MocapSequence, resample

__all__ = [
    'H36M_CAMERA_IDS', 'BVH_UNITS_M', 'CMU_FEET', 'CMU_TO_H36M17', 'BvhData',
    'bvh_forward_kinematics', 'bvh_sequence', 'bvh_unit_m',
    'euler_to_matrix', 'read_bvh', 'DEFAULT_SPLITS', 'H36M_VIDEO_FPS',
    'convert_mocap_files', 'convert_to_h36m', 'load_cameras_pkl',
    'subject_cameras',
    'EXPMAP_COLUMNS', 'EXPMAP_FPS', 'H36M32_FEET', 'H36M_ACTIONS',
    'check_expmap', 'expmap_root_trajectory', 'expmap_sequences',
    'expmap_to_h36m17', 'expmap_to_joints32', 'load_expmap_npz',
    'load_skeleton32', 'parse_expmap_key', 'select_expmap_keys',
    'DetectionNoise', 'keyed_rng', 'body_vertical', 'capture_centre',
    'estimate_up', 'place_sequence', 'rotation_between', 'Y_UP_TO_Z_UP',
    'MocapSequence', 'resample'
]
