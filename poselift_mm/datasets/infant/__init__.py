"""Infant data for ZeDO-infant (Zhou et al., WACV Workshops 2024): SyRIP's
3D infant poses (converter + ``SyRIPDataset``), a MINI-RGBD reader
(``MiniRGBDDataset``) and the joint mappings to Human3.6M-17 (``joints``).
SyRIP is non-commercial data: nothing derived from it is committed."""
from .joints import (LSP14_NAMES, LSP14_TO_H36M, MINI_RGBD_NAMES,
                     MINI_RGBD_TO_H36M, SYRIP_LIMB_JOINTS,
                     SYRIP_NO_2D_JOINTS, coco_to_h36m_2d, lsp14_to_h36m,
                     mini_rgbd_to_h36m)
from .mini_rgbd import (MINI_RGBD_INTRINSICS, MINI_RGBD_SPLITS,
                        MiniRGBDDataset, read_mini_rgbd)
from .syrip_dataset import SyRIPDataset, read_syrip_split
from .syrip_source import SYRIP_FILES, convert_syrip

__all__ = [
    'LSP14_NAMES', 'LSP14_TO_H36M', 'MINI_RGBD_NAMES', 'MINI_RGBD_TO_H36M',
    'SYRIP_LIMB_JOINTS', 'SYRIP_NO_2D_JOINTS', 'coco_to_h36m_2d',
    'lsp14_to_h36m', 'mini_rgbd_to_h36m', 'MINI_RGBD_INTRINSICS',
    'MINI_RGBD_SPLITS', 'MiniRGBDDataset', 'read_mini_rgbd', 'SyRIPDataset',
    'read_syrip_split', 'SYRIP_FILES', 'convert_syrip'
]
