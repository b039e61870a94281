"""``DiffPoseLifter``: a pose model (``backbone``: frame ``GCNPose`` or video
``MixSTE``) gives an initial 3D pose; a ``DiffPoseHead`` refines it by DDIM
in the joint ``uvxyz`` space (Gong et al., CVPR 2023;
GONGJIA0208/Diffpose, Diffpose_video).

Inputs are MMPose's ``VideoPoseLifting`` codec output (screen-normalised
2D, the DiffPose normalisation) packed by ``PackPoseInputs``: (B, K*2, T).
Outputs are root-relative camera-frame metres, one pose per input frame
(a video window predicts all its frames at once).
"""
from typing import Optional

import numpy as np
import torch
from mmengine.model import BaseModel
from mmengine.structures import InstanceData
from mmpose.models.pose_estimators.base import BasePoseEstimator
from mmpose.registry import MODELS

from poselift_mm.utils.compat import patch_pose3d_inferencer

from .inputs import read_scores, unpack_keypoints

__all__ = ['DiffPoseLifter']

DEFAULT_TEST = dict(timesteps=(0, 12), eta=0., num_hypotheses=1,
                    start_noise=False, flip_test=False, aggregate='mean',
                    center_init=True, return_hypotheses=False, min_score=0.1,
                    xyz_noise_by_score=True, output_frame=None)
OUTPUT_FRAMES = (None, 'last', 'centre')


@MODELS.register_module()
class DiffPoseLifter(BasePoseEstimator):
    """Args:
        backbone: pose model ``(B, T, K, 2) uv -> (B, T, K, 3) metres``.
        head: ``DiffPoseHead`` (None: the lifter is the pose model alone,
            trained with an MPJPE loss; that is how the pose model is
            trained first).
        train_cfg: ``train_backbone`` (default: True without a head, False
            with one: DiffPose freezes its pose model), ``backbone_loss
            _weight`` (1).
        test_cfg: ``timesteps`` (ascending DDIM steps; released values:
            frame CPN (0, 12), frame GT (0, 6), video (0,)), ``eta``,
            ``num_hypotheses`` H, ``start_noise`` (False = released
            behaviour: a deterministic refiner; True = the paper's
            stochastic start: every hypothesis is noised independently to
            ``timesteps[-1]`` with the GMM-shaped scale), ``flip_test``
            (pose-model flip averaging, MixSTE), ``aggregate`` 'mean' or
            'median', ``center_init`` (subtract the root of the initial
            pose), ``return_hypotheses``, ``min_score`` (detector scores
            below it are clamped when scaling the noise),
            ``xyz_noise_by_score`` (with ``start_noise``: a joint's xyz
            start noise is also divided by its clamped score, so the
            hypotheses spread more where the 2D is less confident; the
            original scales xyz by 1), ``output_frame`` (video models:
            None = every frame of the window (seq-to-seq), 'last' = only
            the last frame (a causal window: MMPose's inferencer on a
            video, where only past frames exist), 'centre' = only the
            centre frame).
    """

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
        BaseModel.__init__(self, data_preprocessor=data_preprocessor,
                           init_cfg=init_cfg)
        self.metainfo = self._load_metainfo(metainfo)
        # MMPose's inferencer builds us: make its video tracks persist
        patch_pose3d_inferencer()
        self.backbone = MODELS.build(backbone)
        self.head = MODELS.build(head) if head else None
        self.root_index = root_index
        self.train_cfg = dict(train_cfg or {})
        self.test_cfg = {**DEFAULT_TEST, **(test_cfg or {})}
        self.train_backbone = self.train_cfg.get('train_backbone',
                                                 self.head is None)
        if not self.train_backbone:
            for p in self.backbone.parameters():
                p.requires_grad_(False)
        if self.test_cfg['aggregate'] not in ('mean', 'median'):
            raise ValueError("DiffPoseLifter: test_cfg.aggregate must be "
                             f"'mean' or 'median', got "
                             f"{self.test_cfg['aggregate']!r}")
        if self.test_cfg['output_frame'] not in OUTPUT_FRAMES:
            raise ValueError("DiffPoseLifter: test_cfg.output_frame must be "
                             f"one of {OUTPUT_FRAMES}, got "
                             f"{self.test_cfg['output_frame']!r}")
        self.backbone_checkpoint = backbone_checkpoint
        self.head_checkpoint = head_checkpoint
        self.num_joints = getattr(self.backbone, 'num_joints', 17)
        self.num_frames = getattr(self.backbone, 'num_frames', None)

    def init_weights(self):
        """Default init, then the trained pose model
        (``backbone_checkpoint``: its ``backbone.*`` weights) and head
        (``head_checkpoint``: its ``head.*``), when given: how DiffPose
        starts the diffusion training from a trained, frozen pose model."""
        super().init_weights()
        from mmengine.runner.checkpoint import _load_checkpoint
        for path, name in ((self.backbone_checkpoint, 'backbone'),
                           (self.head_checkpoint, 'head')):
            if not path:
                continue
            module = getattr(self, name)
            if module is None:
                raise ValueError(f'DiffPoseLifter: {name}_checkpoint given '
                                 f'but the model has no {name}')
            ckpt = _load_checkpoint(path, map_location='cpu')
            state = ckpt.get('state_dict', ckpt)
            sub = {k[len(name) + 1:]: v for k, v in state.items()
                   if k.startswith(name + '.')}
            if name == 'head' and module.gmm is None:
                # a frame head's 2D error GMM is not used by a head with a
                # constant uv noise scale (the video setting)
                sub = {k: v for k, v in sub.items()
                       if not k.startswith('gmm.')}
            if not sub:
                raise ValueError(f'{path}: no {name}.* weights (a checkpoint '
                                 'of another model?)')
            ref = module.state_dict()
            wrong = [f'{k}: {tuple(v.shape)} vs {tuple(ref[k].shape)}'
                     for k, v in sub.items()
                     if k in ref and v.shape != ref[k].shape]
            if wrong:
                raise ValueError(f'{path}: {name}.* weights do not fit this '
                                 f'config: shape mismatch {wrong[:3]}')
            missing, unexpected = module.load_state_dict(sub, strict=False)
            if missing or unexpected:
                raise ValueError(
                    f'{path}: {name}.* weights do not fit this config: '
                    f'missing {missing[:5]}, unexpected {unexpected[:5]}')

    @property
    def with_head(self) -> bool:
        return self.head is not None

    @property
    def with_neck(self) -> bool:
        return False

    def train(self, mode: bool = True):
        super().train(mode)
        if not self.train_backbone:  # frozen pose model: no dropout either
            self.backbone.eval()
        return self

    # ---- inputs ------------------------------------------------------------
    def _uv(self, inputs, check_window: bool = True) -> torch.Tensor:
        """(B, K*2, T) -> (B, T, K, 2), checked."""
        x = unpack_keypoints(inputs, self.num_joints, 'DiffPoseLifter')
        if check_window and self.num_frames is not None and \
                x.shape[1] != self.num_frames:
            raise ValueError(
                f'DiffPoseLifter: the pose model takes windows of '
                f'{self.num_frames} frames, got {x.shape[1]} (set the '
                f'dataset seq_len to {self.num_frames})')
        return x

    def _targets(self, data_samples, shape) -> torch.Tensor:
        """Root-relative 3D targets (B, T, K, 3) metres."""
        b, t, k = shape[:3]
        out = []
        for ds in data_samples:
            y = torch.as_tensor(np.asarray(
                ds.gt_instance_labels.lifting_target_label
                if 'lifting_target_label' in ds.gt_instance_labels else
                ds.gt_instances.lifting_target), dtype=torch.float32)
            y = y.reshape(-1, k, 3)
            y = y - y[:, self.root_index:self.root_index + 1]
            if len(y) != t:  # one target for a window: its last frame
                if len(y) != 1:
                    raise ValueError(
                        f'DiffPoseLifter: {len(y)} targets for {t} frames')
                y = y.expand(t, k, 3)
            out.append(y)
        return torch.stack(out)

    def pose_model(self, uv, flip: bool = False):
        """Initial 3D (B, T, K, 3) from the backbone."""
        if flip and hasattr(self.backbone, 'forward_flip_avg'):
            return self.backbone.forward_flip_avg(uv)
        b, t = uv.shape[:2]
        if self.num_frames is None:  # frame model: every frame on its own
            return self.backbone(uv.reshape(b * t, self.num_joints,
                                            2)).reshape(b, t, -1, 3)
        return self.backbone(uv)

    def extract_feat(self, inputs):
        return self.pose_model(self._uv(inputs))

    # ---- training ----------------------------------------------------------
    def loss(self, inputs, data_samples) -> dict:
        """``loss_pose`` (MPJPE of the pose model, when trained) and
        ``loss_diff`` (the head's, on single frames: the denoiser works per
        frame, so a frozen video pose model allows frame samples)."""
        uv = self._uv(inputs, check_window=self.train_backbone)
        target = self._targets(data_samples, uv.shape).to(uv.device)
        if len(target) and target.shape[1] != uv.shape[1]:
            raise ValueError('DiffPoseLifter: targets and inputs differ in '
                             'length')
        losses = {}
        if self.train_backbone:
            pred = self.pose_model(uv)
            pred = pred - pred[..., self.root_index:self.root_index + 1, :]
            w = self.train_cfg.get('backbone_loss_weight', 1.)
            losses['loss_pose'] = w * (pred - target).norm(dim=-1).mean()
        if self.head is not None:
            uv_f = uv.reshape(-1, self.num_joints, 2)
            uv_d, sigma = self.head.draw_uv(uv_f)
            x0 = torch.cat([uv_d, target.reshape(-1, self.num_joints, 3)],
                           -1)
            losses.update(self.head.loss((x0, self.head.noise_scale(sigma)),
                                         data_samples, self.train_cfg))
        return losses

    # ---- prediction --------------------------------------------------------
    def lift(self, uv, scores=None, generator=None):
        """(B, T, K, 2) uv -> dict ``keypoints`` (B, T, K, 3) aggregate,
        ``hypotheses`` (B, H, T, K, 3), ``spread`` (B, T, K) metres
        (root-relative)."""
        cfg = self.test_cfg
        ri = self.root_index
        init = self.pose_model(uv, flip=cfg['flip_test'])
        if cfg['center_init']:
            init = init - init[..., ri:ri + 1, :]
        if self.head is None:
            hyps = init[:, None]
        else:
            h = int(cfg['num_hypotheses'])
            x = torch.cat([uv, init], -1)  # (B, T, K, 5)
            x = x[:, None].expand(-1, h, -1, -1, -1)
            sigma = self.head.uv_sigma(
                uv, None if scores is None else scores, cfg['min_score'])
            scale = self.head.noise_scale(sigma)
            if scores is not None and cfg['xyz_noise_by_score']:
                # a joint whose 2D is uncertain starts its 3D hypotheses
                # wider too (the ray depth is no better known than the 2D)
                inv = 1. / scores.clamp(cfg['min_score'], 1.)
                scale = torch.cat([scale[..., :2], scale[..., 2:] *
                                   inv[..., None]], -1)
            scale = scale[:, None].expand_as(x)
            b, _, t, k, c = x.shape
            out = self.head.sample(
                x.reshape(b * h, t, k, c), scale.reshape(b * h, t, k, c),
                cfg['timesteps'], cfg['eta'], cfg['start_noise'],
                generator=generator)
            hyps = out.reshape(b, h, t, k, c)[..., 2:]
        hyps = hyps - hyps[..., ri:ri + 1, :]
        agg = hyps.mean(1) if cfg['aggregate'] == 'mean' else hyps.median(
            1).values
        spread = (hyps - hyps.mean(1, keepdim=True)).norm(dim=-1).pow(
            2).mean(1).sqrt()
        return dict(keypoints=agg, hypotheses=hyps, spread=spread)

    @torch.no_grad()
    def predict(self, inputs, data_samples):
        """Fills ``pred_instances``: ``keypoints`` (1, K, 3) for one-frame
        inputs or (1, T, K, 3) for windows, root-relative metres (the
        aggregate over H hypotheses), ``keypoint_scores``,
        ``keypoint_spread`` (per joint RMS distance of the hypotheses to
        their mean, metres), optionally ``hypotheses`` (1, H, [T,] K, 3)."""
        uv = self._uv(inputs)
        scores = read_scores(data_samples, uv.shape).to(uv.device)
        out = self.lift(uv, scores)
        t = uv.shape[1]
        keep = self.test_cfg['output_frame']
        if keep is not None and t > 1:  # one frame of each window
            j = t - 1 if keep == 'last' else t // 2
            out = {k: (v[:, :, j:j + 1] if k == 'hypotheses' else
                       v[:, j:j + 1]) if torch.is_tensor(v) else v
                   for k, v in out.items()}
            t = 1
        for i, ds in enumerate(data_samples):
            sq = (lambda v: v[..., 0, :, :]) if t == 1 else (  # noqa
                lambda v: v)
            pred = InstanceData()
            pred.keypoints = sq(out['keypoints'][i]).cpu().numpy()[None]
            pred.keypoint_scores = np.ones(pred.keypoints.shape[:-1],
                                           np.float32)
            spread = out['spread'][i]
            pred.keypoint_spread = (spread[0] if t == 1 else
                                    spread).cpu().numpy()[None]
            if self.test_cfg['return_hypotheses']:
                pred.hypotheses = sq(out['hypotheses'][i]).cpu().numpy()[None]
            ds.pred_instances = pred
        return data_samples
