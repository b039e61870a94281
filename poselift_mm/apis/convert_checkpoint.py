"""Convert ZeDO-Release ``checkpoint_<epoch>.pth`` files to mmengine layout.

The original file is ``{'epoch', 'model_state_dict' ('module.'-prefixed,
nn.DataParallel), 'optimizer_state_dict', 'ema': {'decay', 'num_updates',
'shadow_params' (positional list over the trainable parameters)}, 'step'}``.
Our :class:`ZeDOScoreMLP` keeps the original names, so the mapping is
the prefix strip (raw weights) or a zip of ``shadow_params`` with the named
trainable parameters (``use_ema``).
"""
from collections import OrderedDict

import torch

from poselift_mm.apis.state_dicts import check_state_keys, strip_module_prefix
from poselift_mm.models.denoisers.zedo_mlp import ZeDOScoreMLP
from poselift_mm.utils.io import atomic_path

__all__ = ['convert_zedo_state', 'convert_zedo_checkpoint']


def _zedo_sizes(raw: dict) -> str:
    """What sizes the file's weights have, as the option that fits them."""
    pre, emb = raw.get('pre_dense.weight'), raw.get(
        'shared_time_embed.0.weight')
    if not (torch.is_tensor(pre) and torch.is_tensor(emb) and pre.dim() ==
            emb.dim() == 2):
        return ''
    blocks = {k.split('_')[0] for k in raw if k[:1] == 'b' and
              k.split('_')[0][1:].isdigit()}
    return (f'it looks like hidden_dim={pre.shape[0]} embed_dim='
            f'{emb.shape[0]} n_blocks={len(blocks)} num_joints='
            f'{pre.shape[1] // 3}: pass those as model_cfg '
            f'(--model-cfg hidden_dim={pre.shape[0]} embed_dim='
            f'{emb.shape[0]})')


def convert_zedo_state(ckpt: dict, use_ema: bool = False,
                       src: str = '<dict>', model_cfg: dict = None) -> dict:
    """Original ZeDO checkpoint dict -> ``ZeDOScoreMLP`` state_dict.

    Raises ``ValueError`` naming ``src`` and the missing/extra/misshaped keys
    when ``ckpt`` is not a ZeDO base-model checkpoint."""
    if not isinstance(ckpt, dict) or 'model_state_dict' not in ckpt:
        keys = (list(ckpt)[:5] if isinstance(ckpt, dict) else
                type(ckpt).__name__)
        raise ValueError(f'{src}: not a ZeDO checkpoint, key '
                         f"'model_state_dict' is missing (found {keys})")
    raw = strip_module_prefix(ckpt['model_state_dict'])
    model = ZeDOScoreMLP(**(model_cfg or {}))
    ref = model.state_dict()
    check_state_keys(raw, ref, src, 'model_state_dict',
                     f'ZeDOScoreMLP({model_cfg or {}})', _zedo_sizes(raw))
    state = OrderedDict((k, raw[k].detach().clone().to(ref[k].dtype))
                        for k in ref)
    if use_ema:
        ema = ckpt.get('ema')
        if not isinstance(ema, dict) or 'shadow_params' not in ema:
            raise ValueError(f"{src}: --use-ema needs key 'ema' with "
                             "'shadow_params', which is missing")
        shadow = list(ema['shadow_params'])
        names = [n for n, p in model.named_parameters() if p.requires_grad]
        if len(shadow) != len(names):
            raise ValueError(
                f"{src}: 'ema.shadow_params' has {len(shadow)} tensors, "
                f'ZeDOScoreMLP has {len(names)} trainable parameters')
        for name, value in zip(names, shadow):
            if tuple(value.shape) != tuple(state[name].shape):
                raise ValueError(
                    f"{src}: 'ema.shadow_params' entry for {name} has shape "
                    f'{tuple(value.shape)}, expected '
                    f'{tuple(state[name].shape)}')
            state[name] = value.detach().clone().to(state[name].dtype)
    return state


def convert_zedo_checkpoint(src, dst, use_ema: bool = False,
                            trust_checkpoint: bool = False,
                            model_cfg: dict = None) -> dict:
    """Read the original ``src`` (a foreign pickle: only with
    ``trust_checkpoint``), write ``{'state_dict', 'meta'}`` to ``dst``
    atomically and return that dict."""
    if not trust_checkpoint:
        raise ValueError(
            f'{src}: the original ZeDO checkpoint is a full pickle and needs '
            'torch.load(weights_only=False), which can run arbitrary code; '
            'pass --trust-checkpoint (trust_checkpoint=True) if you trust '
            'this file')
    ckpt = torch.load(src, map_location='cpu', weights_only=False)
    state = convert_zedo_state(ckpt, use_ema=use_ema, src=str(src),
                               model_cfg=model_cfg)
    meta = dict(
        source=str(src), source_format='ZeDO-Release checkpoint',
        model_type='ZeDOScoreMLP', weights='ema' if use_ema else 'raw',
        epoch=ckpt.get('epoch'), step=ckpt.get('step'))
    if use_ema:
        meta['ema_num_updates'] = ckpt['ema'].get('num_updates')
    out = {'state_dict': state, 'meta': meta}
    with atomic_path(dst) as tmp:
        torch.save(out, tmp)
    return out
