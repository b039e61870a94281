from .compat import (apply_compat_patches, checkpoint_safe_globals,
                     patch_pose3d_inferencer, trust_checkpoints)

__all__ = ['apply_compat_patches', 'checkpoint_safe_globals',
           'patch_pose3d_inferencer', 'trust_checkpoints']
