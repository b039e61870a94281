"""``SyRIPDataset``: SyRIP's 3D infant poses with their COCO ground-truth
2D as MMPose lifting samples in the Human3.6M-17 layout (ZeDO-infant, Zhou
et al., WACV Workshops 2024).

Reads a split file of ``tools/syrip_to_npz.py``
(:func:`poselift_mm.datasets.infant.convert_syrip`): ``imgname`` (N,),
``pose3d_lsp14`` (N, 14, 3) metres, ``keypoints2d_coco`` (N, 17, 3) px +
COCO flag, ``image_size`` (N, 2) w, h. On load the joints are mapped to
H36M-17 (``joints.lsp14_to_h36m``, ``joints.coco_to_h36m_2d``) and each
image gets ZeDO's intrinsics (ipl-uw/ZeDO-Release ``lib/dataset/syrip.py``:
``K = [[2000, 0, w/2], [0, 2000, h/2], [0, 0, 1]]``; SyRIP has no
calibration): ``f = (focal, focal)``, ``c = (w/2, h/2)``, no distortion.
"""
from typing import List, Optional, Sequence

import numpy as np
from mmengine.fileio import get_local_path
from mmpose.registry import DATASETS

from poselift_mm.utils.datafile import (DataFileError, check_array,
                                        format_key, load_npz)
from ..h36m_dataset import PoseLiftH36MDataset
from ..h36m_format import body3d_arrays
from .joints import SYRIP_NO_2D_JOINTS, coco_to_h36m_2d, lsp14_to_h36m

__all__ = ['SyRIPDataset', 'read_syrip_split', 'frame_cameras']

SYRIP_KEYS = ('imgname', 'pose3d_lsp14', 'keypoints2d_coco', 'image_size')


def read_syrip_split(path) -> dict:
    """A split file -> its checked arrays (keys :data:`SYRIP_KEYS`)."""
    raw = load_npz(path, SYRIP_KEYS)
    names = np.asarray(raw['imgname']).astype(str)
    n = len(names)
    if names.shape != (n, ) or n == 0:
        raise DataFileError(path, format_key('imgname'), 'expected (N,) '
                            f'names, N > 0, got shape {names.shape}')
    return dict(
        imgname=names,
        pose3d_lsp14=check_array(raw['pose3d_lsp14'], path,
                                 format_key('pose3d_lsp14'), (n, 14, 3), 1),
        keypoints2d_coco=check_array(raw['keypoints2d_coco'], path,
                                     format_key('keypoints2d_coco'),
                                     (n, 17, 3), 1),
        image_size=check_array(raw['image_size'], path,
                               format_key('image_size'), (n, 2)))


def frame_cameras(image_size, focal: float):
    """(N, 2) w, h -> (N,) camera index and the distinct cameras: ZeDO's
    ``f = (focal, focal)``, ``c = (w/2, h/2)`` px (module doc)."""
    wh = np.asarray(image_size, dtype=np.float64)
    uniq, index = np.unique(wh, axis=0, return_inverse=True)
    cams = [dict(f=np.full((2, 1), float(focal)), c=(row / 2).reshape(2, 1),
                 w=int(row[0]), h=int(row[1])) for row in uniq]
    return index.reshape(-1), cams


@DATASETS.register_module()
class SyRIPDataset(PoseLiftH36MDataset):
    """SyRIP 3D + GT 2D as Human3.6M-17 samples, one frame each.

    Args:
        ann_file: ``syrip_train.npz`` or ``syrip_test.npz``.
        focal: the pinhole focal length in px (ZeDO: 2000); the principal
            point is the image centre.
        no_2d_joints: H36M-17 joints given score 0 (their COCO-derived 2D
            is not the 3D joint, ``joints`` module doc).
        Others: ``PoseLiftH36MDataset``'s (``seq_len`` must be 1; no
            camera file).

    Samples: ``keypoints`` (1, 17, 2) px, ``keypoints_visible`` (1, 17) in
    {0, 1}, ``lifting_target`` (1, 17, 3) metres (the file's frame), every
    3D joint visible, ``camera_param`` (``f``, ``c`` (2, 1), ``w``, ``h``).
    """

    def __init__(self,
                 ann_file: str = '',
                 focal: float = 2000.,
                 no_2d_joints: Sequence[int] = SYRIP_NO_2D_JOINTS,
                 camera_param_file: Optional[str] = None,
                 seq_len: int = 1,
                 multiple_target: int = 0,
                 **kwargs):
        if camera_param_file:
            raise ValueError('SyRIPDataset sets the cameras itself (focal, '
                             'image centre); camera_param_file must be None')
        if seq_len != 1 or multiple_target:
            raise ValueError('SyRIP holds single images: seq_len must be 1 '
                             'and multiple_target 0')
        if not focal > 0:
            raise ValueError(f'focal must be > 0, got {focal}')
        self.focal = float(focal)
        self.no_2d_joints = tuple(int(j) for j in no_2d_joints)
        super().__init__(ann_file=ann_file, seq_len=seq_len,
                         multiple_target=multiple_target, **kwargs)

    def _load_ann_file(self, ann_file: str) -> None:
        self.ann_file_path = ann_file
        with get_local_path(ann_file) as local_path:
            raw = read_syrip_split(local_path)
        kp = raw['keypoints2d_coco']
        uv, scores = coco_to_h36m_2d(kp[..., :2], kp[..., 2],
                                     self.no_2d_joints)
        ann = body3d_arrays(raw['imgname'], lsp14_to_h36m(
            raw['pose3d_lsp14']), uv, scores)
        ann['camera_index'], self._frame_cameras = frame_cameras(
            raw['image_size'], self.focal)
        self.ann_data = ann

    def get_sequence_indices(self) -> List[List[int]]:
        return self._subset([[i] for i in range(len(
            self.ann_data['imgname']))])
