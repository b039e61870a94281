"""Lifters (registered in ``mmpose.registry.MODELS``)."""
from .base_lifter import INPUT_SPACES, BaseLifter, IdentityBackbone
from .diffpose_lifter import DiffPoseLifter
from .zedo_lifter import ZeDOLifter

__all__ = ['BaseLifter', 'IdentityBackbone', 'INPUT_SPACES',
           'DiffPoseLifter', 'ZeDOLifter']
