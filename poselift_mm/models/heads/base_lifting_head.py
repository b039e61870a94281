"""``BaseLiftingHead``: the contract of every lifting head (MMPose's
``BaseHead``: the head owns ``loss`` and ``predict``; ``predict`` decodes
through the codec, MMPose's ``decoder`` argument, into ``InstanceData``).

A head also says which test settings it takes (``default_test_cfg``,
checked once by :meth:`check_test_cfg` when the lifter is built) and
whether its lifter trains the backbone by default (``trains_backbone``).
"""
from typing import List, Optional

import numpy as np
import torch
from mmengine.structures import InstanceData
from mmpose.models.heads.base_head import BaseHead
from mmpose.registry import KEYPOINT_CODECS

__all__ = ['BaseLiftingHead']


class BaseLiftingHead(BaseHead):
    """Args:
        decoder: the codec config (decodes root-relative metres; None:
            keypoints pass through with unit scores).
        root_index: the root joint of the root-relative outputs.
    """
    default_test_cfg: dict = {}
    trains_backbone: bool = True

    def __init__(self, decoder: Optional[dict] = None, root_index: int = 0,
                 init_cfg=None):
        super().__init__(init_cfg)
        self.decoder = KEYPOINT_CODECS.build(decoder) if decoder else None
        self.root_index = int(root_index)

    def check_test_cfg(self, test_cfg: Optional[dict]) -> dict:
        """The defaults completed by ``test_cfg``; unknown values raise."""
        return {**self.default_test_cfg, **(test_cfg or {})}

    def decode(self, keypoints: torch.Tensor, extras: dict = {}
               ) -> List[InstanceData]:
        """(B, [T,] K, 3) root-relative metres and ``extras`` (name ->
        (B, ...) tensor) -> one ``InstanceData`` per sample: ``keypoints``
        (1, [T,] K, 3) and ``keypoint_scores`` (1, [T,] K) from the codec,
        and every extra as (1, ...)."""
        kps = keypoints.detach().cpu().numpy()
        extras = {k: v.detach().cpu().numpy() for k, v in extras.items()}
        preds = []
        for i, kp in enumerate(kps):
            if self.decoder is None:
                sc = np.ones(kp.shape[:-1], np.float32)
            else:
                kp, sc = self.decoder.decode(kp)
            inst = InstanceData(keypoints=np.asarray(kp, np.float32)[None],
                                keypoint_scores=np.asarray(
                                    sc, np.float32)[None])
            for key, v in extras.items():
                inst.set_field(v[i][None], key)
            preds.append(inst)
        return preds

    def decode_windows(self, out: dict, with_hypotheses: bool = False):
        """A ``lift`` output (``keypoints`` (B, T, K, 3), ``spread`` (B, T,
        K), ``hypotheses`` (B, H, T, K, 3)) -> :meth:`decode`d
        ``InstanceData`` per sample with ``keypoint_spread`` (and
        ``hypotheses``); the T axis is dropped when T = 1."""
        one = out['keypoints'].shape[1] == 1
        sq = (lambda v, d=1: v.squeeze(d)) if one else (  # noqa: E731
            lambda v, d=1: v)
        extras = dict(keypoint_spread=sq(out['spread']))
        if with_hypotheses:
            extras['hypotheses'] = sq(out['hypotheses'], 2)
        return self.decode(sq(out['keypoints']), extras)
