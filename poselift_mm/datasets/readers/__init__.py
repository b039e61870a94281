"""Readers for the lifting data files that users of MMPose, VideoPose3D,
DiffPose and ZeDO already have, returning one convention.

Our convention (MMPose's ``body3d`` annotation layout, which the registered
datasets in ``lifting_datasets.py`` consume): ``imgname`` (N,) str,
``center`` (N, 2) px and ``scale`` (N,) of the 2D box (centre, 1.2 *
longest side / 200), ``part`` (N, K, 3) pixels + visibility, ``S`` (N, K, 4)
camera-frame metres + visibility; optionally ``gmm`` (N, K, C, 5) DiffPose
mixtures.
Cameras are dicts shaped like MMPose's ``cameras.pkl`` entries: ``f``, ``c``
(2, 1) px, ``w``, ``h`` px and, where known, ``R`` (3, 3) camera -> world,
``T`` (3, 1) camera centre in metres, ``k`` (3, 1), ``p`` (2, 1).

Formats read (each reader's docstring names the code the format comes from):

* MMPose body3d npz + ``cameras.pkl`` (+ 2D detection ``.npy``):
  ``read_body3d_annotation``, ``read_keypoint_detections``,
  ``check_camera_table`` (``body3d``).
* VideoPose3D ``data_3d_h36m.npz`` / ``data_2d_h36m_<src>.npz`` and DiffPose's
  GMM ``data_2d_h36m_*_gmm.npz``: ``read_videopose3d_3d``,
  ``read_h36m_2d_file``, ``videopose3d_to_body3d`` (``videopose3d``).
* ZeDO ``h36m_test.pkl`` (+ ``h36m_sh_dt_ft.pkl``), ``mpii3d_test.pkl``,
  ``pw3d_test.npz``: ``read_zedo_h36m``, ``read_zedo_mpii3d``,
  ``read_zedo_pw3d`` (``zedo``).

Every problem with a file raises ``DataFileError`` (a ``ValueError``) whose
message names the file, the key and the problem; it, the generic loaders and
``check_array`` live in ``poselift_mm.utils.datafile`` (re-exported here).
Reading VideoPose3D, DiffPose and ZeDO files unpickles them (their formats
are pickles): only read files you trust.
"""
from poselift_mm.utils.datafile import (DataFileError, check_array,
                                        format_key, load_npz, load_pickle)
from ..h36m_format import H36M_ACTION_NAMES, H36M_CAMERA_SIZES, body3d_arrays
from .body3d import (BODY3D_KEYS, WINDOW_TAILS, build_sequence_indices,
                     check_camera_table, check_gmm, mpi_inf_3dhp_sequence_keys,
                     parse_h36m_imgnames, read_body3d_annotation,
                     read_keypoint_detections)
from .videopose3d import (H36M32_TO_17, VIDEOPOSE3D_CAMERA_IDS,
                          read_h36m_2d_file, read_videopose3d_3d,
                          videopose3d_camera_to_pkl_entry,
                          videopose3d_to_body3d)
from .zedo import (ZEDO_PW3D_TO_H36M, read_zedo_h36m, read_zedo_mpii3d,
                   read_zedo_pw3d)

__all__ = [
    'DataFileError', 'check_array', 'format_key', 'load_npz', 'load_pickle',
    'H36M_ACTION_NAMES', 'H36M_CAMERA_SIZES', 'BODY3D_KEYS',
    'WINDOW_TAILS', 'body3d_arrays', 'build_sequence_indices',
    'check_camera_table', 'check_gmm', 'mpi_inf_3dhp_sequence_keys',
    'parse_h36m_imgnames', 'read_body3d_annotation',
    'read_keypoint_detections', 'H36M32_TO_17',
    'VIDEOPOSE3D_CAMERA_IDS', 'read_h36m_2d_file', 'read_videopose3d_3d',
    'videopose3d_camera_to_pkl_entry', 'videopose3d_to_body3d',
    'ZEDO_PW3D_TO_H36M', 'read_zedo_h36m', 'read_zedo_mpii3d',
    'read_zedo_pw3d'
]
