"""One entry for every original-checkpoint converter
(``tools/convert_checkpoint.py``): the kind of original model picks the
converter of :mod:`.convert_checkpoint`, :mod:`.convert_lifter`,
:mod:`.convert_mixste` or :mod:`.convert_diffpose`."""
__all__ = ['KINDS', 'convert_original']

KINDS = ('zedo', 'diffpose', 'gcndiff', 'gcnpose', 'mixste')


def _prefixed_zedo(out: dict, dst: str, prefix: str) -> dict:
    """The converted ZeDO checkpoint saved again with ``prefix`` on every
    key (e.g. ``head.denoiser.`` inside a ``ZeDOLifter``)."""
    import torch

    from poselift_mm.utils.io import atomic_path
    out['state_dict'] = {prefix + k: v for k, v in out['state_dict'].items()}
    with atomic_path(dst) as tmp:
        torch.save(out, tmp)
    return out


def convert_original(kind: str, src: str, dst: str, use_ema: bool = False,
                     prefix: str = '', pose_model: str = None,
                     pose_model_kind: str = 'mixste',
                     trust_checkpoint: bool = False,
                     model_cfg: dict = None,
                     pose_model_cfg: dict = None) -> dict:
    """Convert the original checkpoint ``src`` of ``kind`` (:data:`KINDS`)
    to ``dst`` ({state_dict, meta}); returns it. Converter errors are
    ValueErrors naming the file.

    Sizes are never inferred (the defaults are the released models'):
    ``model_cfg`` are the keyword arguments of the converted module
    (``ZeDOScoreMLP``, ``GCNdiff``, ``GCNPose``, ``MixSTE``; for 'diffpose'
    the denoiser ``GCNdiff``), ``pose_model_cfg`` those of the pose model of
    'diffpose' (``MixSTE`` or ``GCNPose``)."""
    from .convert_checkpoint import convert_zedo_checkpoint
    from .convert_diffpose import convert_diffpose_checkpoint
    from .convert_lifter import convert_diffpose_lifter
    from .convert_mixste import convert_mixste_checkpoint
    if kind == 'zedo':
        out = convert_zedo_checkpoint(src, dst, use_ema=use_ema,
                                      trust_checkpoint=trust_checkpoint,
                                      model_cfg=model_cfg)
        return _prefixed_zedo(out, dst, prefix) if prefix else out
    if kind == 'diffpose':
        return convert_diffpose_lifter(
            src, dst, pose_model_src=pose_model,
            pose_model_kind=pose_model_kind,
            trust_checkpoint=trust_checkpoint, use_ema=use_ema,
            denoiser_cfg=model_cfg, pose_model_cfg=pose_model_cfg)
    if pose_model_cfg:
        raise ValueError(f'{kind!r} converts one module: give its sizes as '
                         'model_cfg (pose_model_cfg is for diffpose)')
    if kind == 'mixste':
        return convert_mixste_checkpoint(src, dst, prefix=prefix,
                                         trust_checkpoint=trust_checkpoint,
                                         model_cfg=model_cfg)
    return convert_diffpose_checkpoint(src, dst, kind, prefix=prefix,
                                       trust_checkpoint=trust_checkpoint,
                                       use_ema=use_ema, model_cfg=model_cfg)
