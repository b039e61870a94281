from .compat import (apply_compat_patches, checkpoint_safe_globals,
                     trust_checkpoints)

__all__ = ['apply_compat_patches', 'checkpoint_safe_globals',
           'trust_checkpoints']
