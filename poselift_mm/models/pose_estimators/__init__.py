"""Pose estimators / lifters (registered in ``mmpose.registry.MODELS``)."""
from .diffpose_lifter import DiffPoseLifter
from .zedo_lifter import ZeDOLifter

__all__ = ['DiffPoseLifter', 'ZeDOLifter']
