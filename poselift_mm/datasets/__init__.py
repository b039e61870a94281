from .lifting_datasets import (PoseLiftH36MDataset,
                               PoseLiftMpiInf3dhpDataset,
                               VideoPose3DH36MDataset, ZeDOPklDataset)
from .transforms import ConvertKeypointsToH36M, ValidateKeypoints
from . import infant  # noqa: F401  (SyRIPDataset, MiniRGBDDataset)

__all__ = [
    'ConvertKeypointsToH36M', 'ValidateKeypoints', 'PoseLiftH36MDataset',
    'PoseLiftMpiInf3dhpDataset', 'VideoPose3DH36MDataset', 'ZeDOPklDataset'
]
