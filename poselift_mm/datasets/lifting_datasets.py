"""Registered lifting datasets for the files users of MMPose, VideoPose3D,
DiffPose and ZeDO already have.

All classes subclass MMPose's ``Human36mDataset`` and give the same samples:
``keypoints`` (T, K, 2) px, ``keypoints_visible`` (T, K), ``keypoints_3d``
(T, K, 3) m, ``lifting_target`` (1, K, 3) camera-frame metres (the last or
middle frame, per ``causal``), ``lifting_target_visible``, ``camera_param``
(``f``, ``c`` (2, 1) px, ``w``, ``h``, ...), ``img_paths``,
``target_img_path``, ``category_id``, ``factor``, ... so MMPose codecs,
pipelines and metrics work unchanged. Each validates its files on load and
raises ``DataFileError`` (a ``ValueError``) naming the file, key and problem.

* ``PoseLiftH36MDataset`` (``h36m_dataset.py``, re-exported here): MMPose's
  H36M npz + cameras.pkl (+ detections); the base of the others.
* ``VideoPose3DH36MDataset``: VideoPose3D ``data_3d_h36m.npz`` with a
  VideoPose3D ``data_2d_h36m_<src>.npz`` or a DiffPose ``*_gmm.npz`` (then
  samples also carry ``keypoints_gmm`` (T, K, C, 5)), cameras from MMPose's
  ``cameras.pkl``. The files are converted to MMPose's layout on load, so
  ``seq_len``, ``causal``, ``pad_video_seq`` behave exactly as for H36M.
* ``ZeDOPklDataset``: ZeDO's ``h36m_test.pkl`` / ``mpii3d_test.pkl`` /
  ``pw3d_test.npz`` (``layout``); one class because all three hold
  Human3.6M-ordered joints with per-frame intrinsics.
* ``PoseLiftMpiInf3dhpDataset``: MMPose's MPI-INF-3DHP npz +
  ``cameras_train.pkl`` / ``cameras_test.pkl``, in 3DHP's own joint order.
"""
import os.path as osp
from typing import List, Optional, Sequence

import numpy as np
from mmengine.fileio import exists, get_local_path
from mmpose.registry import DATASETS

from poselift_mm.utils.datafile import load_pickle
from .h36m_dataset import PoseLiftH36MDataset, resolve_path
from .readers import (DataFileError, build_sequence_indices,
                      mpi_inf_3dhp_sequence_keys, read_h36m_2d_file,
                      read_videopose3d_3d, read_zedo_h36m, read_zedo_mpii3d,
                      read_zedo_pw3d, videopose3d_to_body3d)

__all__ = ['PoseLiftH36MDataset', 'VideoPose3DH36MDataset', 'ZeDOPklDataset',
           'PoseLiftMpiInf3dhpDataset']


@DATASETS.register_module()
class VideoPose3DH36MDataset(PoseLiftH36MDataset):
    """Human3.6M from VideoPose3D / DiffPose files, as MMPose samples.

    Args:
        ann_file: VideoPose3D ``data_3d_h36m.npz`` (world metres, 32 joints).
        camera_param_file: MMPose's H36M ``cameras.pkl`` (required: the
            world -> camera transforms and intrinsics; VideoPose3D hard-codes
            them in its code and they are not redistributed here).
            ``readers.videopose3d_camera_to_pkl_entry`` converts VideoPose3D's
            quaternion/mm tables into such entries.
        keypoint_2d_file: VideoPose3D ``data_2d_h36m_<src>.npz`` (17 joints,
            Human3.6M order, e.g. ``gt``, ``cpn_ft_h36m_dbb``) or DiffPose's
            ``data_2d_h36m_<src>_gmm.npz`` (then samples carry
            ``keypoints_gmm`` (T, K, C, 5) [pi, mu_u, mu_v, sigma_u,
            sigma_v] as stored: mu in pixels, sigma in the file's units,
            which DiffPose uses unchanged as noise scales on
            VideoPose3D-normalised coordinates, x / w * 2 - 1, and
            ``keypoints`` = the means of component 0). None: the 3D
            projected through the cameras, with distortion.
        subjects: subjects to keep, e.g. ``['S9', 'S11']`` (None: all).
        frame_stride: keep every n-th frame of each video (the
            ``--downsample`` of VideoPose3D/DiffPose).

    ``keypoint_2d_src`` must be 'gt' (the 2D of ``keypoint_2d_file``) or
    'pipeline'; the other arguments are ``Human36mDataset``'s.
    """

    def __init__(self,
                 ann_file: str = '',
                 camera_param_file: Optional[str] = None,
                 keypoint_2d_file: Optional[str] = None,
                 subjects: Optional[Sequence[str]] = None,
                 frame_stride: int = 1,
                 keypoint_2d_src: str = 'gt',
                 data_root: Optional[str] = None,
                 **kwargs):
        if not camera_param_file:
            raise ValueError('VideoPose3DH36MDataset needs camera_param_file '
                             "(MMPose's H36M cameras.pkl)")
        if keypoint_2d_src not in ('gt', 'pipeline'):
            raise ValueError(
                "keypoint_2d_src must be 'gt' (2D from keypoint_2d_file) or "
                f"'pipeline', got {keypoint_2d_src!r}")
        self.keypoint_2d_file = resolve_path(keypoint_2d_file, data_root)
        if self.keypoint_2d_file and not exists(self.keypoint_2d_file):
            raise DataFileError(self.keypoint_2d_file, None,
                                'keypoint_2d_file does not exist')
        self._vp3d_camera_file = resolve_path(camera_param_file, data_root)
        self.subjects = list(subjects) if subjects is not None else None
        self.frame_stride = frame_stride
        super().__init__(ann_file=ann_file,
                         camera_param_file=camera_param_file,
                         keypoint_2d_src=keypoint_2d_src,
                         data_root=data_root, **kwargs)

    def _load_ann_file(self, ann_file: str) -> None:
        self.ann_file_path = ann_file
        with get_local_path(ann_file) as local_path:
            pos3d = read_videopose3d_3d(local_path, self.subjects)
        with get_local_path(self._vp3d_camera_file) as local_path:
            cameras = load_pickle(local_path)
        pos2d, kind = None, 'keypoints'
        if self.keypoint_2d_file:
            with get_local_path(self.keypoint_2d_file) as local_path:
                kind, pos2d, _ = read_h36m_2d_file(local_path,
                                                   self._num_keypoints)
        self.ann_data = videopose3d_to_body3d(
            pos3d, cameras, pos2d, kind, self.frame_stride,
            paths=(ann_file, self.keypoint_2d_file, self._vp3d_camera_file))


@DATASETS.register_module()
class ZeDOPklDataset(PoseLiftH36MDataset):
    """ZeDO's evaluation files as MMPose samples (Human3.6M joint order).

    Args:
        ann_file: ``h36m_test.pkl`` (``layout='h36m'``), ``mpii3d_test.pkl``
            (``'mpii3d'``) or ``pw3d_test.npz`` (``'pw3d'``).
        layout: which of the three formats (see ``readers.read_zedo_*``).
        keypoint_2d_src: 'gt' (the file's 2D) or, for ``'h36m'`` only,
            'detection' with ``keypoint_2d_det_file`` = ``h36m_sh_dt_ft.pkl``
            (its ``det_subset`` entry, default from the file name
            ``h36m_<subset>.pkl``); the confidences become
            ``keypoints_visible``.
        valid_only: ``'mpii3d'``: keep only frames with ``valid_i == 1``, as
            ZeDO evaluates.
        sample_interval: keep every n-th frame, as ZeDO's ``ZeDO.sample``.

    ``camera_param`` comes from the file (``f``, ``c`` (2, 1) px, ``w``,
    ``h``; for ``'h36m'`` also ``R`` camera -> world and ``T`` metres when
    present, converted to MMPose's cameras.pkl convention; no distortion,
    since ZeDO's 2D is an undistorted pinhole projection). ``'h36m'`` image
    names are MMPose-style (``S9_Directions_1.54138969``, the suffix being
    ZeDO's subaction), so ``seq_len > 1`` groups its videos; ``'mpii3d'``
    and ``'pw3d'`` carry no video ids and need ``seq_len == 1``.
    """
    LAYOUTS = ('h36m', 'mpii3d', 'pw3d')

    def __init__(self,
                 ann_file: str = '',
                 layout: str = 'h36m',
                 keypoint_2d_src: str = 'gt',
                 keypoint_2d_det_file: Optional[str] = None,
                 det_subset: Optional[str] = None,
                 valid_only: bool = True,
                 sample_interval: int = 1,
                 camera_param_file: Optional[str] = None,
                 data_root: Optional[str] = None,
                 seq_len: int = 1,
                 multiple_target: int = 0,
                 **kwargs):
        if layout not in self.LAYOUTS:
            raise ValueError(f'layout must be one of {self.LAYOUTS}, got '
                             f'{layout!r}')
        if camera_param_file:
            raise ValueError('ZeDOPklDataset reads the cameras from ann_file; '
                             'camera_param_file must be None')
        if keypoint_2d_src not in ('gt', 'detection', 'pipeline'):
            raise ValueError('unsupported keypoint_2d_src '
                             f'{keypoint_2d_src!r}')
        if keypoint_2d_src == 'detection' and layout != 'h36m':
            raise ValueError("keypoint_2d_src='detection' is only supported "
                             "for layout='h36m' (h36m_sh_dt_ft.pkl)")
        if layout != 'h36m' and (seq_len != 1 or multiple_target):
            raise ValueError(f"layout={layout!r} has no video ids: seq_len "
                             'must be 1 and multiple_target 0')
        if sample_interval < 1:
            raise ValueError('sample_interval must be >= 1')
        self.layout = layout
        self.det_subset = det_subset
        self.valid_only = valid_only
        self.sample_interval = sample_interval
        self._zedo_det_file = resolve_path(keypoint_2d_det_file, data_root) \
            if keypoint_2d_src == 'detection' else None
        if keypoint_2d_src == 'detection':
            if not self._zedo_det_file:
                raise ValueError("keypoint_2d_src='detection' needs "
                                 'keypoint_2d_det_file')
            if not exists(self._zedo_det_file):
                raise DataFileError(self._zedo_det_file, None,
                                    'keypoint_2d_det_file does not exist')
        # the detections are merged into the annotation when it is read
        super().__init__(ann_file=ann_file, keypoint_2d_src='gt'
                         if keypoint_2d_src == 'detection' else
                         keypoint_2d_src, data_root=data_root,
                         seq_len=seq_len, multiple_target=multiple_target,
                         **kwargs)
        self.keypoint_2d_src = keypoint_2d_src

    def _load_ann_file(self, ann_file: str) -> None:
        self.ann_file_path = ann_file
        with get_local_path(ann_file) as local_path:
            if self.layout == 'h36m':
                ann, cams = read_zedo_h36m(local_path, self._zedo_det_file,
                                           self.det_subset)
            elif self.layout == 'mpii3d':
                ann, cams = read_zedo_mpii3d(local_path, self.valid_only)
            else:
                ann, cams = read_zedo_pw3d(local_path)
        if self.sample_interval > 1:
            ann = {k: v[::self.sample_interval] for k, v in ann.items()}
        self.ann_data, self._frame_cameras = ann, cams

    def get_sequence_indices(self) -> List[List[int]]:
        if self.layout == 'h36m':
            return super().get_sequence_indices()
        n = len(self.ann_data['imgname'])
        return self._subset([[i] for i in range(n)])


@DATASETS.register_module()
class PoseLiftMpiInf3dhpDataset(PoseLiftH36MDataset):
    """MMPose's MPI-INF-3DHP body3d npz as MMPose lifting samples.

    Files as written by MMPose's
    ``tools/dataset_converters/preprocess_mpi_inf_3dhp.py``:
    ``mpi_inf_3dhp_train.npz`` / ``mpi_inf_3dhp_test_valid.npz`` (keys as
    H36M: ``imgname`` like ``S4_Seq2_Cam0_001033.jpg`` / ``TS1_002001.jpg``,
    ``part`` (N, 17, 3) px + vis, ``S`` (N, 17, 4) camera metres + vis) and
    ``cameras_train.pkl`` (keys ``S<s>_Seq<q>_Cam<c>``: ``R``, ``T``
    (3, 1) m are the calibration's world -> camera extrinsics, ``f``, ``c``)
    / ``cameras_test.pkl`` (keys ``TS1``..``TS6``: ``f``, ``c``, ``w``,
    ``h`` only).

    Joints keep MPI-INF-3DHP's 17-joint order of MMPose's
    ``mpi_inf_3dhp`` metainfo: 0 head_top, 1 neck, 2-4 right shoulder/elbow/
    wrist, 5-7 left, 8-10 right hip/knee/ankle, 11-13 left, 14 root
    (pelvis), 15 spine, 16 head; so codecs need ``root_index=14``.

    ``fix_train_camera_size``: MMPose's converter stores ``h = 204`` for
    every training camera (its line slicing drops a digit; the training
    videos are 2048 x 2048, its own ``train_img_size``): such cameras get
    ``h = 2048``.
    """
    METAINFO: dict = dict(from_file='configs/_base_/datasets/mpi_inf_3dhp.py')

    def __init__(self, *args, fix_train_camera_size: bool = True, **kwargs):
        self.fix_train_camera_size = fix_train_camera_size
        super().__init__(*args, **kwargs)

    def _camera_keys(self, imgnames) -> np.ndarray:
        return mpi_inf_3dhp_sequence_keys(imgnames).astype(object)

    def _check_imgnames(self, imgnames, path) -> None:
        """Names must look like <video>_<frame>.jpg."""
        bad = mpi_inf_3dhp_sequence_keys(imgnames) == ''
        if bad.any():
            i = int(np.argmax(bad))
            raise DataFileError(
                path, "'imgname'", f'{int(bad.sum())} names do not look '
                f'like <video>_<frame>.jpg, e.g. row {i}: {imgnames[i]!r}')

    def _camera_key(self, imgname):
        return osp.basename(imgname).rsplit('_', 1)[0]

    def get_sequence_indices(self) -> List[List[int]]:
        keys = mpi_inf_3dhp_sequence_keys(self.ann_data['imgname'])
        return self._subset(build_sequence_indices(
            keys, self.seq_len, self.seq_step, self.causal,
            self.pad_video_seq, self.multiple_target,
            self.multiple_target_step, self.multiple_target_tail))

    def _load_annotations(self):
        if self.camera_param_file:
            self.camera_param = {
                k: self._fixed_camera(k, v)
                for k, v in self.camera_param.items()
            }
        return super()._load_annotations()

    def _fixed_camera(self, key, cam):
        if not isinstance(cam, dict):
            return cam
        cam = dict(cam)
        for k in ('w', 'h'):
            if cam.get(k) is not None:
                cam[k] = int(round(float(cam[k])))
        if self.fix_train_camera_size and str(key).startswith('S') and \
                (cam.get('w'), cam.get('h')) == (2048, 204):
            cam['h'] = 2048
        return cam
