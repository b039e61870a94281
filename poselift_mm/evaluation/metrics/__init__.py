"""Registered MMPose metrics (``val_evaluator``/``test_evaluator`` types)."""
from .lifting_metric import LiftingMPJPE
from .pck3d_metric import PCK3DMetric

__all__ = ['LiftingMPJPE', 'PCK3DMetric']
