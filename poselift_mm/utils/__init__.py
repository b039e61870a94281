from .checkpoint import checkpoint_trust, load_checkpoint_safe
from .compat import apply_compat_patches, checkpoint_safe_globals

__all__ = ['apply_compat_patches', 'checkpoint_safe_globals',
           'checkpoint_trust', 'load_checkpoint_safe']
