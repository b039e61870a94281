"""Registered MMPose metrics (``val_evaluator``/``test_evaluator`` types)."""
from .joint_subset import JointSubsetMPJPE
from .lifting_metric import LiftingMPJPE
from .pck3d_metric import PCK3DMetric

__all__ = ['JointSubsetMPJPE', 'LiftingMPJPE', 'PCK3DMetric']
