"""Noise-predicting networks (registered in ``mmpose.registry.MODELS``)."""
from .gcndiff import GCNdiff
from .zedo_control import ZeDOControlMLP
from .zedo_mlp import ZeDOScoreMLP, sinusoidal_embedding

__all__ = ['GCNdiff', 'ZeDOControlMLP', 'ZeDOScoreMLP', 'sinusoidal_embedding']
