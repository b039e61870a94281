"""Models: denoisers for the diffusion priors."""
from .denoisers import ZeDOScoreMLP  # noqa: F401  (registration)

__all__ = ['ZeDOScoreMLP']
