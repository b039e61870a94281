"""Pose models used as lifter backbones (registered in MMPose's MODELS)."""
from .gcnpose import GCNPose
from .mixste import MixSTE

__all__ = ['GCNPose', 'MixSTE']
