"""High-level helpers: checkpoint conversion."""
from .convert_checkpoint import convert_zedo_checkpoint, convert_zedo_state

__all__ = ['convert_zedo_checkpoint', 'convert_zedo_state']
