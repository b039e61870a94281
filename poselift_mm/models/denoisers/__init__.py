"""Noise-predicting networks (registered in ``mmpose.registry.MODELS``)."""
from .gcndiff import GCNdiff
from .zedo_mlp import ZeDOScoreMLP, sinusoidal_embedding

__all__ = ['GCNdiff', 'ZeDOScoreMLP', 'sinusoidal_embedding']
