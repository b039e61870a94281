"""Evaluation: pose-lifting error functions and registered metrics (mm)."""
from . import functional
from .metrics import LiftingMPJPE, PCK3DMetric

__all__ = ['functional', 'LiftingMPJPE', 'PCK3DMetric']
