"""Keypoint codecs (registered in ``mmpose.registry.KEYPOINT_CODECS``)."""
from .pixel_lifting import PixelPoseLifting
from .screen_lifting import ScreenPoseLifting

__all__ = ['PixelPoseLifting', 'ScreenPoseLifting']
