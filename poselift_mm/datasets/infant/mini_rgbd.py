"""MINI-RGBD (Hesse et al., "Computer Vision for Medical Infant Motion
Analysis: State of the Art and RGB-D Data Set", ECCV Workshops 2018): a
reader of its folders and ``MiniRGBDDataset``.

Layout (as distributed, and as ipl-uw/ZeDO-Release ``mini_process.py``
reads it): ``<root>/<seq>/joints_2Ddep/syn_joints_2Ddep_<frame>.txt`` and
``<root>/<seq>/joints_3D/syn_joints_3D_<frame>.txt`` for the sequences
``01`` ... ``12`` (frames ``00000`` ...), each file 25 lines, one per SMIL
joint in the order of ``joints.MINI_RGBD_NAMES``: ``x y depth id`` (2D: px
in the 640 x 480 depth image, depth) and ``x y z id`` (3D: camera frame,
metres). ZeDO uses only the first two / three numbers of a line, and
sequences 01-10 for training, 11-12 for testing (``MINI_RGBD_SPLITS``).

Intrinsics (the data set's, as ZeDO's ``opt_main_infant.py`` sets them):
:data:`MINI_RGBD_INTRINSICS`.
"""
import os
import os.path as osp
import re
from typing import List, Sequence

import numpy as np
from mmpose.registry import DATASETS

from poselift_mm.utils.datafile import DataFileError
from ..h36m_dataset import PoseLiftH36MDataset
from ..h36m_format import body3d_arrays
from .joints import mini_rgbd_to_h36m

__all__ = ['MINI_RGBD_INTRINSICS', 'MINI_RGBD_SPLITS', 'read_joint_file',
           'read_mini_rgbd', 'MiniRGBDDataset']

MINI_RGBD_INTRINSICS = dict(
    f=(588.67905803875317, 590.25690113005601),
    c=(322.22048191353628, 237.46785983766890), w=640, h=480)
MINI_RGBD_SPLITS = dict(
    train=tuple(f'{i:02d}' for i in range(1, 11)), test=('11', '12'))
_FRAME = re.compile(r'^syn_joints_2Ddep_(\d+)\.txt$')


def read_joint_file(path: str, columns: int) -> np.ndarray:
    """One joint file -> (25, columns) float64: the first ``columns``
    numbers of each of its 25 lines."""
    try:
        with open(path) as f:
            rows = [line.split() for line in f if line.strip()]
        arr = np.array([r[:columns] for r in rows], dtype=np.float64)
    except (OSError, ValueError) as e:
        raise DataFileError(path, None, f'cannot read joints ({e})') from None
    if arr.shape != (25, columns) or not np.isfinite(arr).all():
        raise DataFileError(path, None, f'expected 25 finite lines of >= '
                            f'{columns} numbers, got shape {arr.shape}')
    return arr


def read_mini_rgbd(root: str, sequences: Sequence[str]) -> dict:
    """``imgname`` (N,) ``<seq>/syn_<frame>.png``, ``joints_2d`` (N, 25, 2)
    px, ``joints_3d`` (N, 25, 3) m of the ``sequences``, frames in order."""
    names, j2d, j3d = [], [], []
    for seq in sequences:
        d2 = osp.join(root, seq, 'joints_2Ddep')
        if not osp.isdir(d2):
            raise DataFileError(d2, None, 'sequence folder missing (root '
                                'must hold 01 ... 12 of MINI-RGBD)')
        frames = sorted(m.group(1) for m in map(_FRAME.match, os.listdir(d2))
                        if m)
        if not frames:
            raise DataFileError(d2, None, 'no syn_joints_2Ddep_*.txt files')
        for fr in frames:
            p3 = osp.join(root, seq, 'joints_3D', f'syn_joints_3D_{fr}.txt')
            j2d.append(read_joint_file(
                osp.join(d2, f'syn_joints_2Ddep_{fr}.txt'), 2))
            j3d.append(read_joint_file(p3, 3))
            names.append(f'{seq}/syn_{fr}.png')
    return dict(imgname=np.array(names), joints_2d=np.stack(j2d),
                joints_3d=np.stack(j3d))


@DATASETS.register_module()
class MiniRGBDDataset(PoseLiftH36MDataset):
    """MINI-RGBD frames as Human3.6M-17 lifting samples (ground-truth 2D).

    Args:
        ann_file: the folder holding the sequences ``01`` ... ``12``
            (relative to ``data_root``).
        sequences: which ones (default: ZeDO's test split, 11 and 12).
        joint_map: 'anatomical' or 'zedo' (``joints.MINI_RGBD_TO_H36M``).
        Others: ``PoseLiftH36MDataset``'s (``seq_len`` 1, no camera file).

    Every frame has :data:`MINI_RGBD_INTRINSICS`; all joints visible.
    """

    def __init__(self,
                 ann_file: str = '',
                 sequences: Sequence[str] = MINI_RGBD_SPLITS['test'],
                 joint_map: str = 'anatomical',
                 camera_param_file=None,
                 seq_len: int = 1,
                 **kwargs):
        if camera_param_file:
            raise ValueError('MiniRGBDDataset uses the data set\'s fixed '
                             'intrinsics; camera_param_file must be None')
        if seq_len != 1:
            raise ValueError('MiniRGBDDataset: seq_len must be 1')
        mini_rgbd_to_h36m(np.zeros((25, 3)), joint_map)  # check the rule
        self.sequences = tuple(str(s) for s in sequences)
        self.joint_map = joint_map
        super().__init__(ann_file=ann_file, seq_len=seq_len, **kwargs)

    def _load_ann_file(self, ann_file: str) -> None:
        self.ann_file_path = ann_file
        raw = read_mini_rgbd(ann_file, self.sequences)
        ann = body3d_arrays(
            raw['imgname'], mini_rgbd_to_h36m(raw['joints_3d'],
                                              self.joint_map),
            mini_rgbd_to_h36m(raw['joints_2d'], self.joint_map))
        cam = MINI_RGBD_INTRINSICS
        ann['camera_index'] = np.zeros(len(raw['imgname']), dtype=np.int64)
        self._frame_cameras = [dict(
            f=np.reshape(cam['f'], (2, 1)), c=np.reshape(cam['c'], (2, 1)),
            w=cam['w'], h=cam['h'])]
        self.ann_data = ann

    def get_sequence_indices(self) -> List[List[int]]:
        return self._subset([[i] for i in range(len(
            self.ann_data['imgname']))])
