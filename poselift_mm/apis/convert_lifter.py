"""One MMPose lifter checkpoint from the original DiffPose files.

``diffpose_{,video_}uvxyz_*.pth`` (GCNdiff; a list whose element 0 is the
``module.``-prefixed state dict) becomes ``head.denoiser.*``; the pose model
(``gcn_xyz_*.pth``: GCNpose, or ``mixste_cpn_243f.bin``: MixSTE under
``model_pos``) becomes ``backbone.*`` of a ``DiffPoseLifter``.
"""
from collections import OrderedDict

import torch

from poselift_mm.apis.convert_diffpose import convert_diffpose_state
from poselift_mm.apis.convert_mixste import convert_mixste_state
from poselift_mm.utils.checkpoint import load_foreign_checkpoint
from poselift_mm.utils.io import atomic_path

__all__ = ['convert_diffpose_lifter']


def convert_diffpose_lifter(denoiser_src, dst, pose_model_src=None,
                            pose_model_kind: str = 'mixste',
                            trust_checkpoint: bool = False,
                            use_ema: bool = False,
                            mixste_cfg: dict = None,
                            denoiser_cfg: dict = None,
                            pose_model_cfg: dict = None) -> dict:
    """Write ``{'state_dict', 'meta'}`` for ``DiffPoseLifter`` to ``dst``
    (atomically) and return it. ``pose_model_kind`` is 'mixste' or
    'gcnpose'. Sizes (never inferred; the defaults are the released
    models'): ``denoiser_cfg`` for ``GCNdiff``, ``pose_model_cfg`` for the
    pose model (``mixste_cfg`` is its former name, for MixSTE)."""
    if pose_model_kind not in ('mixste', 'gcnpose'):
        raise ValueError("pose_model_kind must be 'mixste' or 'gcnpose', got "
                         f'{pose_model_kind!r}')
    if mixste_cfg is not None and pose_model_cfg is not None:
        raise ValueError('give the pose model sizes once: pose_model_cfg '
                         '(mixste_cfg is its former name)')
    pose_model_cfg = pose_model_cfg if pose_model_cfg is not None else \
        mixste_cfg
    state = OrderedDict()
    den = convert_diffpose_state(load_foreign_checkpoint(denoiser_src,
                                                         trust_checkpoint),
                                 'gcndiff', src=str(denoiser_src),
                                 use_ema=use_ema, model_cfg=denoiser_cfg)
    state.update(('head.denoiser.' + k, v) for k, v in den.items())
    meta = dict(source=str(denoiser_src), model_type='DiffPoseLifter',
                weights='ema' if use_ema else 'raw',
                denoiser_cfg=dict(denoiser_cfg or {}))
    if pose_model_src:
        if pose_model_kind == 'mixste':
            pm = convert_mixste_state(load_foreign_checkpoint(
                pose_model_src, trust_checkpoint), src=str(pose_model_src),
                model_cfg=pose_model_cfg)
        else:
            pm = convert_diffpose_state(load_foreign_checkpoint(
                pose_model_src, trust_checkpoint), 'gcnpose',
                src=str(pose_model_src), model_cfg=pose_model_cfg)
        state.update(('backbone.' + k, v) for k, v in pm.items())
        meta['pose_model_source'] = str(pose_model_src)
        meta['pose_model_kind'] = pose_model_kind
        meta['pose_model_cfg'] = dict(pose_model_cfg or {})
    out = dict(state_dict=state, meta=meta)
    with atomic_path(dst) as tmp:
        torch.save(out, tmp)
    return out
