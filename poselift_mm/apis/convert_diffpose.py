"""Convert original DiffPose (GONGJIA0208/Diffpose) checkpoints to mmengine
layout: ``diffpose_uvxyz_*.pth`` (``GCNdiff``) and ``gcn_xyz_*.pth``
(``GCNpose``).

The original runner saves the list ``[model_sd, optimizer_sd, epoch, step,
ema_shadow]``: ``model_sd`` has ``nn.DataParallel``'s ``module.`` prefix,
``ema_shadow`` (present when EMA was on) is keyed by parameter name without
it. Our modules keep the original names, so the mapping is the prefix strip
plus an exact key/shape check (docs/design/diffpose_original.md §7).
"""
from collections import OrderedDict

import torch

from poselift_mm.models.backbones.gcnpose import GCNPose
from poselift_mm.models.denoisers.gcndiff import GCNdiff
from poselift_mm.utils.io import atomic_path
from poselift_mm.apis.state_dicts import (check_state_keys, checked_tensor,
                                          strip_module_prefix)
from poselift_mm.utils.checkpoint import load_foreign_checkpoint

__all__ = ['convert_diffpose_state', 'convert_diffpose_checkpoint']

_MODELS = {'gcndiff': GCNdiff, 'gcnpose': GCNPose}
_EMA_INDEX = 4


def _looks_like(raw: dict) -> str:
    """Hint on what ``raw`` holds, from the input ChebConv and temb_proj."""
    w = raw.get('gconv_input.weight')
    if not torch.is_tensor(w) or w.dim() != 4:
        return ''
    kind = ('GCNdiff' if 'gconv_layers.0.temb_proj.weight' in raw else
            'GCNpose')
    return (f'it looks like a {kind} checkpoint with in_channels='
            f'{w.shape[2]}, hid_dim={w.shape[3]}')


def convert_diffpose_state(obj, kind: str, src: str = '<obj>',
                           use_ema: bool = False,
                           model_cfg: dict = None) -> OrderedDict:
    """Loaded original file (list/tuple, element 0 the ``module.``-prefixed
    state dict) or a bare state dict -> ``GCNdiff`` / ``GCNPose``
    (``kind`` 'gcndiff' / 'gcnpose', built with ``model_cfg``) state_dict.

    ``use_ema`` takes the weights from the EMA shadow (element 4). Keys and
    shapes must match exactly, else ``ValueError`` naming ``src`` and the
    missing, unexpected and misshaped keys. For a ``GCNPose`` built with
    ``with_unused_temb=False`` the unused ``temb.*`` weights are dropped."""
    if kind not in _MODELS:
        raise ValueError(f'{src}: kind must be one of {sorted(_MODELS)}, '
                         f'got {kind!r}')
    cls = _MODELS[kind]
    cfg = dict(model_cfg or {})
    name = f'{cls.__name__}({cfg})'
    if isinstance(obj, (list, tuple)):
        if not obj or not isinstance(obj[0], dict):
            raise ValueError(
                f'{src}: not a DiffPose checkpoint, element 0 of the saved '
                'list must be the model state dict, got '
                f'{type(obj[0]).__name__ if obj else "an empty list"}')
        sd, where = obj[0], 'element 0 (model state dict)'
    elif isinstance(obj, dict) and obj and all(
            torch.is_tensor(v) for v in obj.values()):
        sd, where = obj, 'state dict'
    else:
        found = list(obj)[:6] if isinstance(obj, dict) else type(
            obj).__name__
        raise ValueError(
            f'{src}: not a DiffPose checkpoint, expected the runner\'s list '
            f'[state_dict, optimizer, epoch, step, ema] or a bare state '
            f'dict of tensors (found {found})')
    ref = cls(**cfg).state_dict()
    raw = strip_module_prefix(sd)
    if kind == 'gcnpose' and not cfg.get('with_unused_temb', True):
        raw = OrderedDict(
            (k, v) for k, v in raw.items() if not k.startswith('temb.'))
    check_state_keys(raw, ref, src, where, name, _looks_like(raw))
    state = OrderedDict(
        (k, checked_tensor(raw[k], src, where, k, ref[k])) for k in ref)
    if use_ema:
        if not isinstance(obj, (list, tuple)) or len(obj) <= _EMA_INDEX \
                or not isinstance(obj[_EMA_INDEX], dict):
            raise ValueError(
                f'{src}: use_ema needs the EMA shadow dict as element '
                f'{_EMA_INDEX} of the saved list, which is missing (was the '
                'model trained with model.ema off?)')
        ema = strip_module_prefix(obj[_EMA_INDEX])
        if kind == 'gcnpose' and not cfg.get('with_unused_temb', True):
            ema = OrderedDict(
                (k, v) for k, v in ema.items() if not k.startswith('temb.'))
        where = f'element {_EMA_INDEX} (EMA shadow)'
        check_state_keys(ema, ref, src, where, name, _looks_like(ema))
        state = OrderedDict(
            (k, checked_tensor(ema[k], src, where, k, ref[k])) for k in ref)
    return state


def convert_diffpose_checkpoint(src, dst, kind: str, prefix: str = '',
                                trust_checkpoint: bool = False,
                                use_ema: bool = False,
                                model_cfg: dict = None) -> dict:
    """Read the original ``src``, write ``{'state_dict': {prefix+k: v},
    'meta'}`` to ``dst`` atomically and return that dict. ``prefix`` places
    the weights inside a wrapper model (e.g. ``'head.denoiser.'`` or
    ``'backbone.'``)."""
    obj = load_foreign_checkpoint(src, trust_checkpoint)
    state = convert_diffpose_state(obj, kind, src=str(src), use_ema=use_ema,
                                   model_cfg=model_cfg)
    is_list = isinstance(obj, (list, tuple))

    def _int(i):
        v = obj[i] if is_list and len(obj) > i else None
        return int(v) if isinstance(v, int) else None

    meta = dict(
        source=str(src),
        source_format=('DiffPose runner list [state_dict, optimizer, epoch, '
                       'step, ema]' if is_list else 'bare state dict'),
        kind=kind, model_type=_MODELS[kind].__name__,
        model_cfg=dict(model_cfg or {}), prefix=prefix,
        weights='ema' if use_ema else 'raw', epoch=_int(2), step=_int(3))
    out = {'state_dict': OrderedDict((prefix + k, v)
                                     for k, v in state.items()),
           'meta': meta}
    with atomic_path(dst) as tmp:
        torch.save(out, tmp)
    return out
