"""Priors over keypoint errors (registered in MMPose's MODELS)."""
from .gmm import GMMPrior

__all__ = ['GMMPrior']
