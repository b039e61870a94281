"""Noise-predicting networks (registered in ``mmpose.registry.MODELS``)."""
from .zedo_mlp import ZeDOScoreMLP, sinusoidal_embedding

__all__ = ['ZeDOScoreMLP', 'sinusoidal_embedding']
