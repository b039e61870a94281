"""``ZeDOLifter``: zero-shot 2D -> 3D lifting by optimisation against an
unconditional score prior (Jiang et al., WACV 2024, ipl-uw/ZeDO-Release).

The lifter only moves data: its ``ScoreHead`` trains the prior on 3D
targets (``loss``; the 2D inputs are never used, so any 3D pose collection
trains it) and fits it to the 2D keypoints by IPO + OIL (``predict``).
The 2D stays in pixels (``PixelPoseLifting``), with the camera, since the
optimisation works on the keypoints' rays.
"""
from typing import Optional

from mmpose.registry import MODELS

from .base_lifter import BaseLifter

__all__ = ['ZeDOLifter']


@MODELS.register_module()
class ZeDOLifter(BaseLifter):
    """Args:
        head: a ``ScoreHead`` config.
        init_poses: ``dict(file=<make_clusters.py npz>, num=S)``, set on
            the head (``ScoreHead.init_poses``).
        num_frames: frames per sample for a video setting (windows that
            ``test_cfg.warm_start`` fits in order); None: single frames.
        Others: see ``BaseLifter``; ``test_cfg``: see ``ScoreHead``.
    """
    input_space = 'pixel'

    def __init__(self, head: dict, init_poses: Optional[dict] = None,
                 num_frames: Optional[int] = None, **kwargs):
        head = dict(head)
        if init_poses is not None:
            head['init_poses'] = init_poses
        super().__init__(head=head, **kwargs)
        self.num_frames = None if num_frames is None else int(num_frames)

    def extract_feat(self, inputs):
        """(B, K*2, T) -> the (B, T, K, 2) pixels the head fits."""
        return self.keypoints(inputs)

    def loss(self, inputs, data_samples) -> dict:
        """DSM on the root-relative 3D targets (the 2D is not used)."""
        return self.head.loss(None, data_samples, train_cfg=self.train_cfg)
