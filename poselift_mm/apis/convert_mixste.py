"""Convert original MixSTE / DiffPose-video ``mixste_cpn_243f.bin`` files to
mmengine layout.

The original file is ``{'epoch', 'lr', 'random_state', 'optimizer',
'model_pos' ('module.'-prefixed, nn.DataParallel), ...}`` (MixSTE ``run.py``).
Our :class:`MixSTE` keeps the original parameter names, so the mapping is the
prefix strip plus a key/shape check against ``MixSTE(**model_cfg)``.
"""
from collections import OrderedDict

import torch

from poselift_mm.models.backbones.mixste import MixSTE
from poselift_mm.utils.io import atomic_path
from poselift_mm.apis.state_dicts import (check_state_keys, checked_tensor,
                                          strip_module_prefix)
from poselift_mm.utils.checkpoint import load_foreign_checkpoint

__all__ = ['convert_mixste_state', 'convert_mixste_checkpoint']


def _checkpoint_sizes(raw: dict) -> str:
    """Sizes readable from the position embeddings, as a hint."""
    hint = {}
    sp, tp = raw.get('Spatial_pos_embed'), raw.get('Temporal_pos_embed')
    if torch.is_tensor(sp) and sp.dim() == 3:
        hint.update(num_joints=sp.shape[1], embed_dim=sp.shape[2])
    if torch.is_tensor(tp) and tp.dim() == 3:
        hint['num_frames'] = tp.shape[1]
    depth = {int(k.split('.')[1]) for k in raw
             if k.startswith('STEblocks.') and k.split('.')[1].isdigit()}
    if depth:
        hint['depth'] = max(depth) + 1
    return ', '.join(f'{k}={v}' for k, v in hint.items())


def convert_mixste_state(obj, src: str = '<obj>',
                         model_cfg: dict = None) -> OrderedDict:
    """Loaded original file (dict with ``'model_pos'``) or a bare state dict
    -> ``MixSTE(**model_cfg)`` state_dict (``module.`` stripped).

    Sizes are never inferred: the keys and shapes must match the model
    built from ``model_cfg`` (defaults: the 243-frame, 512-dim, depth-8
    model), else ``ValueError`` naming ``src`` and the missing, unexpected
    and misshaped keys."""
    if not isinstance(obj, dict):
        raise ValueError(f'{src}: not a MixSTE checkpoint, expected a dict '
                         f"with key 'model_pos', got {type(obj).__name__}")
    if 'model_pos' in obj:
        sd, where = obj['model_pos'], "'model_pos'"
        if not isinstance(sd, dict):
            raise ValueError(f"{src}: 'model_pos' must be a state dict, got "
                             f'{type(sd).__name__}')
    elif obj and all(torch.is_tensor(v) for v in obj.values()):
        sd, where = obj, 'state dict'
    else:
        raise ValueError(f'{src}: not a MixSTE checkpoint, key '
                         f"'model_pos' is missing (found {list(obj)[:6]})")
    raw = strip_module_prefix(sd)
    cfg = dict(model_cfg or {})
    with torch.device('meta'):  # shapes only, no 135 MB allocation
        ref = MixSTE(**cfg).state_dict()
    sizes = _checkpoint_sizes(raw)
    check_state_keys(raw, ref, src, where, f'MixSTE({cfg})',
                     f'the checkpoint looks like {sizes}: pass those in '
                     'model_cfg (tools/convert_checkpoint.py: --model-cfg, '
                     'or --pose-model-cfg for diffpose) if that is intended'
                     if sizes else None)
    state = OrderedDict(
        (k, checked_tensor(raw[k], src, where, k, ref[k])) for k in ref)
    return state


def convert_mixste_checkpoint(src, dst, prefix: str = '',
                              trust_checkpoint: bool = False,
                              model_cfg: dict = None) -> dict:
    """Read the original ``src``, write ``{'state_dict': {prefix+k: v},
    'meta'}`` to ``dst`` atomically and return that dict. ``prefix`` places
    the weights inside a wrapper model (e.g. ``'initializer.'``)."""
    obj = load_foreign_checkpoint(src, trust_checkpoint)
    state = convert_mixste_state(obj, src=str(src), model_cfg=model_cfg)
    epoch = obj.get('epoch') if 'model_pos' in obj else None
    meta = dict(
        source=str(src),
        source_format=('MixSTE run.py checkpoint (model_pos)'
                       if 'model_pos' in obj else 'bare state dict'),
        model_type='MixSTE', model_cfg=dict(model_cfg or {}), prefix=prefix,
        epoch=int(epoch) if isinstance(epoch, int) else None)
    out = {'state_dict': OrderedDict((prefix + k, v)
                                     for k, v in state.items()),
           'meta': meta}
    with atomic_path(dst) as tmp:
        torch.save(out, tmp)
    return out
