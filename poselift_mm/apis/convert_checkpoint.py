"""Convert ZeDO-Release ``checkpoint_<epoch>.pth`` files to mmengine layout.

The original file is ``{'epoch', 'model_state_dict' ('module.'-prefixed,
nn.DataParallel), 'optimizer_state_dict', 'ema': {'decay', 'num_updates',
'shadow_params' (positional list over the trainable parameters)}, 'step'}``.
Our :class:`ZeDOScoreMLP` keeps the original names, so the mapping is
the prefix strip (raw weights) or a zip of ``shadow_params`` with the named
trainable parameters (``use_ema``).

:func:`check_conversion_paths` refuses, before anything is read, the
paths of ``tools/convert_checkpoint.py`` that would fail late or lose
data.
"""
import os
import os.path as osp
from collections import OrderedDict

import torch

from poselift_mm.apis.state_dicts import check_state_keys, strip_module_prefix
from poselift_mm.models.denoisers.zedo_mlp import ZeDOScoreMLP
from poselift_mm.utils.checkpoint import load_checkpoint_safe
from poselift_mm.utils.io import atomic_path

__all__ = ['convert_zedo_state', 'convert_zedo_checkpoint',
           'check_conversion_paths']


def check_conversion_paths(sources, dst) -> None:
    """Raise ``ValueError`` naming the path when a source (None entries
    skipped) is missing, a directory or unreadable, or when ``dst`` is a
    directory, lies in a folder that does not exist, or is one of the
    sources (converting would overwrite the original)."""
    sources = [str(s) for s in sources if s is not None]
    for src in sources:
        if not osp.lexists(src):
            raise ValueError(f'{src}: the checkpoint to convert does not '
                             'exist')
        if osp.isdir(src):
            raise ValueError(f'{src}: the checkpoint to convert is a '
                             'directory; give the checkpoint file')
        if not os.access(src, os.R_OK):
            raise ValueError(f'{src}: cannot be read (permission denied)')
    dst = str(dst)
    if osp.isdir(dst):
        raise ValueError(f'{dst}: the destination is a directory; give the '
                         'output file name, e.g. '
                         f'{osp.join(dst, "converted.pth")}')
    folder = osp.dirname(osp.abspath(dst))
    if not osp.isdir(folder):
        raise ValueError(f'{dst}: the destination folder {folder} does not '
                         'exist; create it first')
    for src in sources:
        if osp.exists(dst) and osp.samefile(src, dst):
            raise ValueError(f'{dst}: the destination is the source '
                             'checkpoint; converting would overwrite the '
                             'original, give another output file')


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
    """Read the original ``src`` (weights-only; the full unpickler, which
    can run code, only with ``trust_checkpoint`` and when the file needs
    it), write ``{'state_dict', 'meta'}`` to ``dst`` atomically and return
    that dict. A corrupt or unsafe ``src`` raises a ``CheckpointError``
    (a ``ValueError``)."""
    ckpt = load_checkpoint_safe(src, trust=trust_checkpoint)
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
