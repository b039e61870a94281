"""poselift_mm: diffusion-based 3D human pose lifting for MMPose.

Importing the package registers every module into MMPose's registries
(``default_scope='mmpose'``) and applies the stack's compatibility fixes, so
configs only need ``custom_imports = dict(imports=['poselift_mm'])``.
"""
from .version import __version__
from .utils import apply_compat_patches

apply_compat_patches()

from . import codecs, datasets, engine, evaluation, models  # noqa: E402,F401,E501  (registrations)

__all__ = ['__version__']
