"""Keypoint codecs (registered in ``mmpose.registry.KEYPOINT_CODECS``)."""
from .pixel_lifting import PixelPoseLifting

__all__ = ['PixelPoseLifting']
