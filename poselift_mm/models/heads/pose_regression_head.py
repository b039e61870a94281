"""``PoseRegressionHead``: the head of a lifter whose backbone regresses
the 3D pose directly (the first stage of DiffPose: its pose model GCNPose
or MixSTE trained alone, and any other direct-regression lifter).

The backbone's output is the prediction; the head owns its MPJPE loss and
decodes it through the codec. It has no parameters, so checkpoints of such
a lifter hold ``backbone.*`` only.
"""
from typing import Optional

import torch
from mmpose.registry import MODELS

from poselift_mm.geometry.pose import mpjpe
from poselift_mm.models.utils import (OUTPUT_FRAMES, read_targets,
                                      select_frame)
from .base_lifting_head import BaseLiftingHead

__all__ = ['PoseRegressionHead', 'pose_loss']


def pose_loss(pred, target, root_index: int = 0,
              train_cfg: dict = {}) -> dict:
    """``loss_pose``: ``backbone_loss_weight`` (1) x MPJPE between the
    root-centred ``pred`` and ``target`` (B, T, K, 3) metres (the loss of
    DiffPose's pose models and VideoPose3D)."""
    pred = pred - pred[..., root_index:root_index + 1, :]
    w = float(train_cfg.get('backbone_loss_weight', 1.))
    return dict(loss_pose=w * mpjpe(pred, target).mean())


@MODELS.register_module()
class PoseRegressionHead(BaseLiftingHead):
    """Features: ``(uv, init)`` with the backbone's ``init`` (B, T, K, 3).

    Test settings: ``center_init`` (accepted for DiffPose configs; the
    output is root-relative either way), ``output_frame`` (see
    ``DiffPoseHead``), ``return_hypotheses`` (one hypothesis: the pose).
    """
    default_test_cfg = dict(output_frame=None, return_hypotheses=False,
                            center_init=True)
    trains_backbone = True

    def __init__(self, decoder: Optional[dict] = None, root_index: int = 0,
                 init_cfg=None):
        super().__init__(decoder, root_index, init_cfg)

    def check_test_cfg(self, test_cfg: Optional[dict]) -> dict:
        cfg = super().check_test_cfg(test_cfg)
        if cfg['output_frame'] not in OUTPUT_FRAMES:
            raise ValueError('PoseRegressionHead: test_cfg.output_frame must '
                             f"be one of {OUTPUT_FRAMES}, got "
                             f"{cfg['output_frame']!r}")
        return cfg

    def forward(self, feats):
        """``(uv, init)`` -> ``init`` root-relative (B, T, K, 3)."""
        init = feats[1]
        return init - init[..., self.root_index:self.root_index + 1, :]

    def lift(self, uv, init, scores=None, test_cfg=None) -> dict:
        """Same outputs as ``DiffPoseHead.lift`` with one hypothesis."""
        pose = self.forward((uv, init))
        return dict(keypoints=pose, hypotheses=pose[:, None],
                    spread=pose.new_zeros(pose.shape[:-1]))

    def loss(self, feats, batch_data_samples, train_cfg: dict = {}) -> dict:
        uv, init = feats
        target = read_targets(batch_data_samples, uv.shape[1], uv.shape[2],
                              self.root_index).to(init.device)
        if target.shape[1] != init.shape[1]:
            raise ValueError('PoseRegressionHead: targets and inputs differ '
                             'in length')
        return pose_loss(init, target, self.root_index, train_cfg)

    @torch.no_grad()
    def predict(self, feats, batch_data_samples, test_cfg: dict = {}):
        cfg = self.check_test_cfg(test_cfg)
        out = select_frame(self.lift(*feats), cfg['output_frame'])
        return self.decode_windows(out, cfg['return_hypotheses'])
