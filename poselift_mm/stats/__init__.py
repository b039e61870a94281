"""Statistics primitives in torch, batched over groups (no MMPose, no data
files): the layer that ``models`` and ``datasets`` both build on."""
from .kmeans import kmeans_pp, lloyd, nearest_centre, weighted_kmeans

__all__ = ['kmeans_pp', 'nearest_centre', 'lloyd', 'weighted_kmeans']
