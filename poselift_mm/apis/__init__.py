"""High-level helpers: checkpoint conversion, lifting, inference."""
from .convert_checkpoint import convert_zedo_checkpoint, convert_zedo_state
from .convert_diffpose import (convert_diffpose_checkpoint,
                               convert_diffpose_state)
from .convert_lifter import convert_diffpose_lifter
from .convert_mixste import convert_mixste_checkpoint, convert_mixste_state
from .inference import (build_inferencer, display_to_camera,
                        lifter_inferencer_kwargs, relift_offline,
                        run_inferencer)
from .inferencer_hooks import (enable_lifter_inputs, enable_model_aliases,
                               enable_mmpose_inferencer)
from .lift import init_lifter, lift_keypoints
from .tracks import enable_persistent_tracks

__all__ = [
    'convert_zedo_checkpoint', 'convert_zedo_state',
    'convert_diffpose_checkpoint', 'convert_diffpose_state',
    'convert_diffpose_lifter', 'convert_mixste_checkpoint',
    'convert_mixste_state', 'init_lifter', 'lift_keypoints',
    'build_inferencer', 'run_inferencer', 'lifter_inferencer_kwargs',
    'display_to_camera', 'relift_offline', 'enable_persistent_tracks',
    'enable_model_aliases', 'enable_lifter_inputs', 'enable_mmpose_inferencer'
]
