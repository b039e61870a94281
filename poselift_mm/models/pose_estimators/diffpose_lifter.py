"""``DiffPoseLifter``: a pose model (``backbone``: frame ``GCNPose`` or
video ``MixSTE``) gives an initial 3D pose; a ``DiffPoseHead`` refines it
by DDIM in the joint ``uvxyz`` space (Gong et al., CVPR 2023;
GONGJIA0208/Diffpose, Diffpose_video). With a ``PoseRegressionHead`` (or
``head=None``) it is the pose model alone, which is how the pose model is
trained first.

Inputs are the ``ScreenPoseLifting`` codec's screen-normalised 2D packed by
``PackPoseInputs``: (B, K*2, T). Outputs are root-relative camera-frame
metres, one pose per input frame (a video window predicts all its frames
at once, or one with ``test_cfg.output_frame``).
"""
from typing import Optional

import torch
from mmengine.runner.checkpoint import _load_checkpoint
from mmpose.registry import MODELS

from poselift_mm.geometry.missing import collapse_onto_parents
from poselift_mm.geometry.skeleton import H36M17_PARENTS
from poselift_mm.models.utils import read_scores
from poselift_mm.utils.checkpoint import state_mismatch
from .base_lifter import BaseLifter

__all__ = ['DiffPoseLifter']


def load_submodule(module, path: str, name: str, skip=()) -> None:
    """Load the ``<name>.*`` weights of checkpoint ``path`` into
    ``module``; keys starting with a prefix in ``skip`` are left out. A
    checkpoint without such weights, or with other shapes or keys, raises
    naming the file."""
    ckpt = _load_checkpoint(path, map_location='cpu')
    state = ckpt.get('state_dict', ckpt)
    sub = {k[len(name) + 1:]: v for k, v in state.items()
           if k.startswith(name + '.') and
           not k[len(name) + 1:].startswith(tuple(skip))}
    if not sub:
        raise ValueError(f'{path}: no {name}.* weights (a checkpoint of '
                         'another model?)')
    ref = module.state_dict()
    missing, unexpected, wrong = state_mismatch(sub, ref)
    if wrong:
        raise ValueError(
            f'{path}: {name}.* weights do not fit this config: shape '
            'mismatch ' + str([f'{k}: {tuple(sub[k].shape)} vs '
                               f'{tuple(ref[k].shape)}' for k in wrong[:3]]))
    module.load_state_dict(sub, strict=False)
    if missing or unexpected:
        raise ValueError(f'{path}: {name}.* weights do not fit this config: '
                         f'missing {missing[:5]}, unexpected {unexpected[:5]}')


@MODELS.register_module()
class DiffPoseLifter(BaseLifter):
    """Args:
        backbone: pose model ``(B, T, K, 2) uv -> (B, T, K, 3) metres``.
        head: ``DiffPoseHead`` or ``PoseRegressionHead`` (None: the
            latter).
        backbone_checkpoint, head_checkpoint: trained ``backbone.*`` /
            ``head.*`` weights loaded by ``init_weights`` (DiffPose starts
            the diffusion training from a trained, frozen pose model).
        train_cfg: ``train_backbone`` (default: the head's
            ``trains_backbone``: True for the pose model alone, False with
            a DiffPoseHead), ``backbone_loss_weight`` (1).
        test_cfg: the head's settings plus ``flip_test`` (pose-model flip
            averaging, MixSTE).
    """
    input_space = 'screen'

    def __init__(self,
                 backbone: dict,
                 head: Optional[dict] = None,
                 root_index: int = 0,
                 backbone_checkpoint: Optional[str] = None,
                 head_checkpoint: Optional[str] = None,
                 train_cfg: Optional[dict] = None,
                 test_cfg: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None,
                 metainfo: Optional[dict] = None):
        super().__init__(
            head=head or dict(type='PoseRegressionHead'), backbone=backbone,
            root_index=root_index, train_cfg=train_cfg, test_cfg=test_cfg,
            data_preprocessor=data_preprocessor, init_cfg=init_cfg,
            metainfo=metainfo)
        self.test_cfg.setdefault('flip_test', False)
        self.train_backbone = bool(self.train_cfg.setdefault(
            'train_backbone', self.head.trains_backbone))
        if not self.train_backbone:
            for p in self.backbone.parameters():
                p.requires_grad_(False)
        self.backbone_checkpoint = backbone_checkpoint
        self.head_checkpoint = head_checkpoint
        self.num_frames = getattr(self.backbone, 'num_frames', None)

    def init_weights(self):
        """Default init, then the trained pose model and head, when
        given."""
        super().init_weights()
        for path, name in ((self.backbone_checkpoint, 'backbone'),
                           (self.head_checkpoint, 'head')):
            if not path:
                continue
            if name == 'head' and not hasattr(self.head, 'denoiser'):
                raise ValueError('DiffPoseLifter: head_checkpoint given but '
                                 'the model has no diffusion head')
            # a head with a constant uv noise scale (video) has no GMM
            skip = ('gmm.', ) if name == 'head' and \
                getattr(self.head, 'gmm', 0) is None else ()
            load_submodule(getattr(self, name), path, name, skip)

    def train(self, mode: bool = True):
        super().train(mode)
        if not self.train_backbone:  # frozen pose model: no dropout either
            self.backbone.eval()
        return self

    def keypoints(self, inputs, check_window: bool = True) -> torch.Tensor:
        """(B, K*2, T) -> (B, T, K, 2); a video pose model's window length
        is checked."""
        x = super().keypoints(inputs)
        if check_window and self.num_frames is not None and \
                x.shape[1] != self.num_frames:
            raise ValueError(
                f'DiffPoseLifter: the pose model takes windows of '
                f'{self.num_frames} frames, got {x.shape[1]} (set the '
                f'dataset seq_len to {self.num_frames})')
        return x

    def pose_model(self, uv, flip: bool = False):
        """Initial 3D (B, T, K, 3) from the backbone."""
        if flip and hasattr(self.backbone, 'forward_flip_avg'):
            return self.backbone.forward_flip_avg(uv)
        b, t = uv.shape[:2]
        if self.num_frames is None:  # frame model: every frame on its own
            return self.backbone(uv.reshape(b * t, self.num_joints,
                                            2)).reshape(b, t, -1, 3)
        return self.backbone(uv)

    def extract_feat(self, inputs, check_window: bool = True):
        """-> ``(uv (B, T, K, 2), init (B, T, K, 3))``: the head's
        features."""
        uv = self.keypoints(inputs, check_window)
        flip = self.test_cfg['flip_test'] and not self.training
        return uv, self.pose_model(uv, flip=flip)

    def test_feats(self, inputs, data_samples):
        """``extract_feat`` after the missing-joint rule: a joint scored 0
        is put on its closest present ancestor before the pose model sees
        it (:func:`~poselift_mm.geometry.missing.collapse_onto_parents`,
        the placement ``DetectorNoise2D`` trains with); the head then
        widens its start noise by the low score."""
        uv = self.keypoints(inputs)
        miss = read_scores(data_samples, uv.shape).to(uv.device) <= 0
        if miss.any() and uv.shape[-2] == len(H36M17_PARENTS):
            uv = collapse_onto_parents(uv, miss)
        return uv, self.pose_model(uv, flip=self.test_cfg['flip_test'])

    def loss(self, inputs, data_samples) -> dict:
        """The head's losses. A frozen pose model is not run (its output
        is not needed to train the denoiser), so a frozen video pose model
        allows training on single frames."""
        if not self.train_backbone:
            return self.head.loss((self.keypoints(inputs, False), None),
                                  data_samples, train_cfg=self.train_cfg)
        return self.head.loss(self.extract_feat(inputs), data_samples,
                              train_cfg=self.train_cfg)

    def lift(self, uv, scores=None, generator=None) -> dict:
        """(B, T, K, 2) uv -> the head's ``lift`` dict (``keypoints`` (B,
        T, K, 3), ``hypotheses`` (B, H, T, K, 3), ``spread`` (B, T, K))."""
        init = self.pose_model(uv, flip=self.test_cfg['flip_test'])
        if hasattr(self.head, 'sample'):
            return self.head.lift(uv, init, scores, self.test_cfg,
                                  generator=generator)
        return self.head.lift(uv, init, scores, self.test_cfg)
