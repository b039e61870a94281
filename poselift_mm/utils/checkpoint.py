"""Checkpoint checks that turn silent mismatches into clear errors."""
from typing import List, Mapping, Tuple

import torch.nn as nn
from mmengine.runner.checkpoint import _load_checkpoint

__all__ = ['state_mismatch', 'check_checkpoint_fits',
           'load_foreign_checkpoint']


def state_mismatch(state: Mapping, ref: Mapping
                   ) -> Tuple[List[str], List[str], List[str]]:
    """How ``state`` (name -> tensor) fails to fit ``ref``: the keys of
    ``ref`` it lacks, its keys ``ref`` lacks, and the shared keys whose
    value is not a tensor of ``ref``'s shape; each in ``ref`` / ``state``
    order. All empty: it fits."""
    missing = [k for k in ref if k not in state]
    unexpected = [k for k in state if k not in ref]
    wrong = [k for k in ref if k in state and tuple(
        getattr(state[k], 'shape', (None, ))) != tuple(ref[k].shape)]
    return missing, unexpected, wrong


def check_checkpoint_fits(model: nn.Module, filename: str) -> dict:
    """Load ``filename`` and raise ``ValueError`` unless its ``state_dict``
    has exactly the model's parameter names and shapes (EMA copies under
    ``ema_`` are ignored). Returns the loaded checkpoint."""
    checkpoint = _load_checkpoint(filename, map_location='cpu')
    if not isinstance(checkpoint, dict):
        raise ValueError(f'{filename} is not a checkpoint (got '
                         f'{type(checkpoint).__name__})')
    state = checkpoint.get('state_dict', checkpoint)
    state = {k[len('module.'):] if k.startswith('module.') else k: v
             for k, v in state.items()
             if hasattr(v, 'shape') and not k.startswith('ema_')}
    model_state = model.state_dict()
    missing, unexpected, wrong = state_mismatch(state, model_state)
    ckpt_shapes = {k: tuple(state[k].shape) for k in wrong}
    model_shapes = {k: tuple(model_state[k].shape) for k in wrong}
    if missing or unexpected or wrong:
        parts = []
        if missing:
            parts.append(f'{len(missing)} missing (e.g. {missing[:3]})')
        if unexpected:
            parts.append(f'{len(unexpected)} unexpected (e.g. '
                         f'{unexpected[:3]})')
        if wrong:
            parts.append(f'{len(wrong)} with other shapes (e.g. ' + ', '.join(
                f'{k}: checkpoint {ckpt_shapes[k]} vs model '
                f'{model_shapes[k]}' for k in wrong[:2]) + ')')
        raise ValueError(
            f'checkpoint {filename} does not fit the model '
            f'{type(model).__name__}: ' + '; '.join(parts) +
            '. Is it a checkpoint of another model or config?')
    return checkpoint


def load_foreign_checkpoint(src, trust_checkpoint: bool = False):
    """An original code base's file: ``torch.load`` with
    ``weights_only=True`` first; the full unpickler (which can run arbitrary
    code) only with ``trust_checkpoint``, else ``ValueError`` naming the
    file and ``--trust-checkpoint``."""
    import pickle

    import torch
    try:
        return torch.load(src, map_location='cpu', weights_only=True)
    except pickle.UnpicklingError as err:
        if not trust_checkpoint:
            raise ValueError(
                f'{src}: this file is a full pickle (original checkpoints '
                'hold optimizer state, numpy objects, ...) and needs '
                'torch.load(weights_only=False), which can run arbitrary '
                'code; pass --trust-checkpoint (trust_checkpoint=True) if '
                f'you trust this file ({str(err).splitlines()[0]})') from None
    return torch.load(src, map_location='cpu', weights_only=False)
