"""Release checkpoints (``tools/publish_checkpoint.py``): weights only
(optionally fp16), the hash in the file name as OpenMMLab does
(``<name>-<sha256[:8]>.pth``). Loading an fp16 file into the fp32 model
casts the weights back (mmengine's ``load_checkpoint`` needs nothing
else)."""
import hashlib
import os
import os.path as osp

__all__ = ['release_state', 'publish_checkpoint']

META_KEPT = ('epoch', 'iter', 'dataset_meta', 'experiment_name')


def release_state(ckpt: dict, source: str, fp16: bool) -> dict:
    """``{state_dict, meta}`` of a training checkpoint: float32 weights as
    float16 with ``fp16``; ``meta`` keeps :data:`META_KEPT`, the source
    file name and the fp16 flag (no optimizer, no message hub)."""
    import torch
    state = ckpt.get('state_dict', ckpt)
    out_state = {
        k: (v.half() if fp16 and v.is_floating_point()
            and v.dtype == torch.float32 else v).clone()
        for k, v in state.items()
    }
    meta = ckpt.get('meta', {}) or {}
    keep = {k: meta[k] for k in META_KEPT if k in meta}
    keep['source'] = osp.basename(source)
    keep['fp16'] = bool(fp16)
    return dict(state_dict=out_state, meta=keep)


def _hashed(path: str) -> str:
    """``path`` renamed with the first 8 hex digits of its sha256."""
    with open(path, 'rb') as f:
        sha = hashlib.sha256(f.read()).hexdigest()[:8]
    final = path[:-4] + f'-{sha}.pth' if path.endswith('.pth') else \
        f'{path}-{sha}'
    os.replace(path, final)
    return final


def publish_checkpoint(src: str, dst: str, fp16: bool = False,
                       add_hash: bool = True):
    """Write the release file of ``src`` at ``dst`` (atomic; with
    ``add_hash`` renamed to carry its hash). Returns (path, number of
    values)."""
    import torch

    import poselift_mm  # noqa: F401  (safe unpickling of our checkpoints)
    from poselift_mm.utils.io import atomic_path
    ckpt = torch.load(src, map_location='cpu', weights_only=True)
    out = release_state(ckpt, src, fp16)
    with atomic_path(dst) as tmp:
        torch.save(out, tmp)
    n = sum(v.numel() for v in out['state_dict'].values())
    return (_hashed(dst) if add_hash else dst), n
