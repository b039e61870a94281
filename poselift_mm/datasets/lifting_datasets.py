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

* ``PoseLiftH36MDataset``: MMPose's H36M npz + cameras.pkl (+ detections).
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
from copy import deepcopy
from typing import Callable, List, Optional, Sequence, Union

import numpy as np
from mmengine.fileio import exists, get_local_path
from mmengine.utils import is_abs
from mmpose.datasets.datasets.body3d import Human36mDataset
from mmpose.registry import DATASETS

from poselift_mm.utils.datafile import load_pickle
from .readers import (WINDOW_TAILS, DataFileError, build_sequence_indices,
                      check_camera_table, mpi_inf_3dhp_sequence_keys,
                      parse_h36m_imgnames, read_body3d_annotation,
                      read_h36m_2d_file, read_keypoint_detections,
                      read_videopose3d_3d, read_zedo_h36m, read_zedo_mpii3d,
                      read_zedo_pw3d, videopose3d_to_body3d)


def _resolve(path: Optional[str], data_root: Optional[str]) -> Optional[str]:
    if not path:
        return path
    return path if is_abs(path) or not data_root else osp.join(
        data_root, path)


@DATASETS.register_module()
class PoseLiftH36MDataset(Human36mDataset):
    """MMPose's ``Human36mDataset`` (same arguments, same samples) that
    checks its files on load.

    ``ann_file``: keys ``imgname``, ``center``, ``scale``, ``part``
    (N, K, 3), ``S`` (N, K, 4), K from ``metainfo`` (17), all finite;
    optional ``gmm`` (N, K, C, 5) becomes ``keypoints_gmm`` of the samples.
    ``keypoint_2d_det_file``: (N, K, 3) finite. ``camera_param_file``: a
    camera with finite ``f``, ``c``, ``w``, ``h`` for every camera the image
    names use. Problems raise ``DataFileError`` naming file and key.
    ``sample_stride`` (not in MMPose): keep every n-th sample (sequence),
    e.g. a fast, evenly spread validation subset.
    ``multiple_target_tail`` (not in MMPose; windows of ``multiple_target``
    frames): 'drop' (MMPose) leaves out each video's frames after its last
    full window; 'anchor' adds a last window ending at the video's last
    frame and pads a video shorter than a window with its last frame, as
    DiffPose-video / MixSTE evaluate (``eval_data_prepare``): every frame
    is scored, the overlap twice.
    """

    def __init__(self,
                 ann_file: str = '',
                 seq_len: int = 1,
                 seq_step: int = 1,
                 multiple_target: int = 0,
                 multiple_target_step: int = 0,
                 pad_video_seq: bool = False,
                 causal: bool = True,
                 subset_frac: float = 1.0,
                 keypoint_2d_src: str = 'gt',
                 keypoint_2d_det_file: Optional[str] = None,
                 factor_file: Optional[str] = None,
                 camera_param_file: Optional[str] = None,
                 data_mode: str = 'topdown',
                 metainfo: Optional[dict] = None,
                 data_root: Optional[str] = None,
                 data_prefix: dict = dict(img=''),
                 filter_cfg: Optional[dict] = None,
                 indices: Optional[Union[int, Sequence[int]]] = None,
                 serialize_data: bool = True,
                 pipeline: List[Union[dict, Callable]] = [],
                 test_mode: bool = False,
                 lazy_init: bool = False,
                 max_refetch: int = 1000,
                 sample_stride: int = 1,
                 multiple_target_tail: str = 'drop'):
        if int(sample_stride) < 1:
            raise ValueError(f'sample_stride must be >= 1, got {sample_stride}')
        self.sample_stride = int(sample_stride)
        if multiple_target_tail not in WINDOW_TAILS:
            raise ValueError(f'multiple_target_tail must be one of '
                             f'{WINDOW_TAILS}, got {multiple_target_tail!r}')
        self.multiple_target_tail = multiple_target_tail
        if pad_video_seq and not causal and seq_len % 2 == 0 and \
                not multiple_target:
            raise ValueError(
                f'seq_len={seq_len} with causal=False and pad_video_seq=True:'
                ' MMPose pads (seq_len - 1) // 2 frames on each side, so '
                'the sequences would have seq_len - 1 frames; use an odd '
                'seq_len')
        # MMPose only asserts these: check them with file names instead.
        self._num_keypoints = self._load_metainfo(
            deepcopy(metainfo))['num_keypoints']
        for name, path in (('ann_file', ann_file),
                           ('camera_param_file', camera_param_file)):
            path = _resolve(path, data_root)
            if path and not exists(path):
                raise DataFileError(path, None,
                                    f'{name} does not exist')
        if camera_param_file:
            # MMPose unpickles it fully: first prove that it holds only
            # containers and numpy data (utils.safe_pickle)
            with get_local_path(_resolve(camera_param_file,
                                         data_root)) as local_path:
                load_pickle(local_path)
        if keypoint_2d_src == 'detection':
            det = _resolve(keypoint_2d_det_file, data_root)
            if not det:
                raise ValueError("keypoint_2d_src='detection' needs "
                                 'keypoint_2d_det_file')
            if not exists(det):
                raise DataFileError(det, None, 'keypoint_2d_det_file does '
                                    'not exist')
        super().__init__(
            ann_file=ann_file, seq_len=seq_len, seq_step=seq_step,
            multiple_target=multiple_target,
            multiple_target_step=multiple_target_step,
            pad_video_seq=pad_video_seq, causal=causal,
            subset_frac=subset_frac, keypoint_2d_src=keypoint_2d_src,
            keypoint_2d_det_file=keypoint_2d_det_file,
            factor_file=factor_file, camera_param_file=camera_param_file,
            data_mode=data_mode, metainfo=metainfo, data_root=data_root,
            data_prefix=data_prefix, filter_cfg=filter_cfg, indices=indices,
            serialize_data=serialize_data, pipeline=pipeline,
            test_mode=test_mode, lazy_init=lazy_init,
            max_refetch=max_refetch)

    # ---- loading -------------------------------------------------------
    def _load_ann_file(self, ann_file: str) -> None:
        self.ann_file_path = ann_file
        with get_local_path(ann_file) as local_path:
            self.ann_data = read_body3d_annotation(local_path,
                                                   self._num_keypoints)
        self._check_imgnames(self.ann_data['imgname'], ann_file)

    def _check_imgnames(self, imgnames, path) -> None:
        """Names must parse as <subject>_<action>.<camera>_<frame>.jpg."""
        parse_h36m_imgnames(imgnames, path)

    def get_sequence_indices(self) -> List[List[int]]:
        """MMPose's windows; with ``multiple_target_tail='anchor'`` each
        video also gets a last window that ends at its last frame."""
        if not (self.multiple_target and
                self.multiple_target_tail == 'anchor'):
            return super().get_sequence_indices()
        subj, action, cam = parse_h36m_imgnames(self.ann_data['imgname'],
                                                self.ann_file_path)
        # one key per video, sorted as MMPose sorts its (subject, action,
        # camera) tuples
        sep = '\x01'  # below every printable character
        keys = np.char.add(np.char.add(np.char.add(subj, sep), np.char.add(
            action, sep)), cam)
        return self._subset(build_sequence_indices(
            keys, self.seq_len, self.seq_step, self.causal,
            self.pad_video_seq, self.multiple_target,
            self.multiple_target_step, self.multiple_target_tail))

    def _load_keypoint_2d_detection(self, det_file):
        with get_local_path(det_file) as local_path:
            return read_keypoint_detections(local_path,
                                            len(self.ann_data['imgname']),
                                            self._num_keypoints)

    def _camera_keys(self, imgnames) -> np.ndarray:
        """(N,) image names -> (N,) camera-table keys (object array)."""
        subj, _, cam = parse_h36m_imgnames(imgnames, self.ann_file_path)
        keys = np.empty(len(subj), dtype=object)
        keys[:] = list(zip(subj.tolist(), cam.tolist()))
        return keys

    def _check_cameras(self) -> None:
        if not self.camera_param_file:
            return
        keys = self._camera_keys(self.ann_data['imgname'])
        check_camera_table(self.camera_param, dict.fromkeys(keys.tolist()),
                           self.camera_param_file)

    def _camera_key(self, imgname):
        subj, _, cam = self._parse_h36m_imgname(imgname)
        return subj, cam

    def get_camera_param(self, imgname) -> dict:
        key = self._camera_key(imgname)
        if key not in self.camera_param:
            raise DataFileError(self.camera_param_file, repr(key),
                                f'no camera for image {imgname!r}')
        return self.camera_param[key]

    def _load_annotations(self):
        self._check_cameras()
        if self.sample_stride > 1:  # every n-th sample (fast validation)
            self.sequence_indices = self.sequence_indices[::self.sample_stride]
        instance_list, image_list = super()._load_annotations()
        self._add_frame_arrays(instance_list)
        return instance_list, image_list

    def _add_frame_arrays(self, instance_list: List[dict]) -> None:
        """Per-frame extras: ``keypoints_gmm`` and per-frame cameras."""
        gmm = self.ann_data.get('gmm')
        cam_index = self.ann_data.get('camera_index')
        for inst, frame_ids in zip(instance_list, self.sequence_indices):
            if gmm is not None:
                inst['keypoints_gmm'] = gmm[frame_ids].astype(np.float32)
            if cam_index is not None:
                inst['camera_param'] = self._frame_cameras[cam_index[
                    frame_ids[0]]]

    def _subset(self, sequence_indices: list) -> list:
        """MMPose's ``subset_frac`` selection (a random contiguous run)."""
        size = int(len(sequence_indices) * self.subset_frac)
        start = np.random.randint(0, len(sequence_indices) - size + 1)
        return sequence_indices[start:start + size]


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
        self.keypoint_2d_file = _resolve(keypoint_2d_file, data_root)
        if self.keypoint_2d_file and not exists(self.keypoint_2d_file):
            raise DataFileError(self.keypoint_2d_file, None,
                                'keypoint_2d_file does not exist')
        self._vp3d_camera_file = _resolve(camera_param_file, data_root)
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
        self._zedo_det_file = _resolve(keypoint_2d_det_file, data_root) \
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
