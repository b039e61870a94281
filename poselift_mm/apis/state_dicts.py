"""Checks shared by the original-checkpoint converters: strip DataParallel's
``module.`` prefix, compare keys and shapes with our module, and take each
tensor only when it is finite floating point."""
from collections import OrderedDict
from typing import Optional

import torch

from poselift_mm.utils.checkpoint import state_mismatch

__all__ = ['strip_module_prefix', 'check_state_keys', 'checked_tensor']


def strip_module_prefix(sd: dict) -> OrderedDict:
    """``module.k`` -> ``k`` (other keys unchanged), order kept."""
    return OrderedDict(
        (k[len('module.'):] if k.startswith('module.') else k, v)
        for k, v in sd.items())


def check_state_keys(raw: dict, ref: dict, src: str, where: str, name: str,
                     hint: Optional[str] = None) -> None:
    """``ValueError`` naming ``src``/``where`` and the missing, unexpected
    and misshaped keys unless ``raw`` has exactly ``ref``'s keys and
    shapes; ``hint`` (what the file looks like instead) is appended."""
    missing, extra, wrong = state_mismatch(raw, ref)
    wrong += [k for k in ref if k in raw and k not in wrong and
              not torch.is_tensor(raw[k])]
    if not (missing or extra or wrong):
        return
    msg = [f'{src}: {where} does not match {name}']
    if missing:
        msg.append(f'missing {len(missing)} keys {missing[:6]}')
    if extra:
        msg.append(f'unexpected {len(extra)} keys {extra[:6]}')
    if wrong:
        msg.append('shape mismatch ' + ', '.join(
            f'{k}: {tuple(getattr(raw[k], "shape", ()))} vs '
            f'{tuple(ref[k].shape)}' for k in wrong[:4]))
    if hint:
        msg.append(hint)
    raise ValueError('; '.join(msg) + ' (a checkpoint of another model?)')


def checked_tensor(v, src: str, where: str, key: str, like: torch.Tensor):
    """A detached CPU copy of ``v`` in ``like``'s dtype; ``ValueError`` for
    a non-float or non-finite tensor."""
    v = v.detach()
    if not v.is_floating_point():
        raise ValueError(f'{src}: {where} key {key} has dtype {v.dtype}, '
                         'expected a floating-point tensor')
    if not bool(torch.isfinite(v).all()):
        raise ValueError(f'{src}: {where} key {key} holds NaN/inf values')
    return v.to('cpu', like.dtype, copy=True)
