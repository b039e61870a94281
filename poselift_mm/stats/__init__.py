"""Statistics primitives in torch, batched over groups (no MMPose, no data
files): the layer that ``models`` and ``datasets`` both build on."""
from .gmm_em import fit_diag_gmm
from .kmeans import kmeans_pp, lloyd, nearest_centre, weighted_kmeans

__all__ = ['fit_diag_gmm', 'kmeans_pp', 'nearest_centre', 'lloyd',
           'weighted_kmeans']
