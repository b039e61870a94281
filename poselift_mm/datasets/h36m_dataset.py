"""``PoseLiftH36MDataset``: MMPose's ``Human36mDataset`` that checks its
files on load (naming file, key and problem), with per-frame extras
(``keypoints_gmm``, per-frame cameras), ``sample_stride`` and the
``multiple_target_tail`` windows; the base of every dataset in
``lifting_datasets.py``."""
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
                      check_camera_table, parse_h36m_imgnames,
                      read_body3d_annotation, read_keypoint_detections)

__all__ = ['PoseLiftH36MDataset', 'resolve_path']


def resolve_path(path: Optional[str], data_root: Optional[str]) -> Optional[str]:
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
            path = resolve_path(path, data_root)
            if path and not exists(path):
                raise DataFileError(path, None,
                                    f'{name} does not exist')
        if camera_param_file:
            # MMPose unpickles it fully: first prove that it holds only
            # containers and numpy data (utils.safe_pickle)
            with get_local_path(resolve_path(camera_param_file,
                                         data_root)) as local_path:
                load_pickle(local_path)
        if keypoint_2d_src == 'detection':
            det = resolve_path(keypoint_2d_det_file, data_root)
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
