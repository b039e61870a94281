"""``BaseLifter``: the one contract of this project's 2D -> 3D lifters.

A lifter is MMPose's ``BasePoseEstimator`` with a backbone (optional: an
identity) and a lifting head (``BaseLiftingHead``). It only moves data:

* ``extract_feat`` turns the packed 2D (B, K*2, T) into the head's
  features;
* ``loss`` returns ``head.loss(feats, data_samples, train_cfg)``;
* ``predict`` returns ``head.predict(feats, data_samples, test_cfg)``
  (``feats`` from ``test_feats``),
  decoded by the head through its codec, packed by
  :meth:`add_pred_to_datasample` (as MMPose's ``PoseLifter``).

``input_space`` says what 2D the lifter needs, so callers never test
classes: ``'screen'`` (the codec normalises the pixels by the image size,
``u = 2x/w - 1``: DiffPose, MMPose's lifters) or ``'pixel'`` (raw pixels
plus the camera: ZeDO's rays). A new lifter is a head plus a config, and a
subclass only when its features differ.
"""
from typing import Optional

import torch
import torch.nn as nn
from mmpose.models.pose_estimators.base import BasePoseEstimator
from mmpose.registry import MODELS

from poselift_mm.models.utils import unpack_keypoints

__all__ = ['BaseLifter', 'IdentityBackbone', 'INPUT_SPACES',
           'PixelStatsGuard']

INPUT_SPACES = ('screen', 'pixel')
PIXEL_HINT = (
    "needs the 2D keypoints in the image's pixels, but MMPose's "
    'Pose3DInferencer is moving them to the Human3.6M box statistics '
    '(stats_info): pass disable_norm_pose_2d=True, or call '
    'poselift_mm.apis.enable_mmpose_inferencer() once before building the '
    'inferencer (it sets this for every pixel lifter)')


class PixelStatsGuard:
    """Stands for ``bbox_center`` / ``bbox_scale`` in a pixel lifter's
    ``dataset_meta['stats_info']``: MMPose's ``Pose3DInferencer`` (and
    ``inference_pose_lifter_model(norm_pose_2d=True)``) compute
    ``(kpt - centre) / scale * bbox_scale + bbox_center`` with them, which
    would silently move the pixels a pixel lifter needs; any arithmetic
    with the guard raises a ``ValueError`` that says what to do."""
    __array_ufunc__ = None  # numpy defers to the reflected operators

    def __init__(self, lifter: str):
        self.lifter = lifter

    def _refuse(self, *args):
        raise ValueError(f'{self.lifter} {PIXEL_HINT}')

    __add__ = __radd__ = __sub__ = __rsub__ = _refuse
    __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _refuse

    def __repr__(self):
        return f'PixelStatsGuard({self.lifter!r})'


@MODELS.register_module()
class IdentityBackbone(nn.Module):
    """A backbone that returns its input (lifters whose head does all the
    work, e.g. ZeDO's optimisation). No parameters."""

    def forward(self, x):
        return x


class BaseLifter(BasePoseEstimator):
    """Args:
        backbone: None for an :class:`IdentityBackbone`.
        head: a lifting head config; its ``root_index`` defaults to the
            lifter's.
        root_index: the root joint of the root-relative outputs.
        train_cfg, test_cfg: passed to the head's ``loss`` / ``predict``;
            ``test_cfg`` is completed and checked by the head once, here.
    """
    input_space = 'screen'

    def __init__(self,
                 head: dict,
                 backbone: Optional[dict] = None,
                 root_index: int = 0,
                 train_cfg: Optional[dict] = None,
                 test_cfg: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None,
                 metainfo: Optional[dict] = None):
        head = dict(head)
        head.setdefault('root_index', root_index)
        super().__init__(
            backbone=backbone or dict(type='IdentityBackbone'), head=head,
            train_cfg=train_cfg, test_cfg=test_cfg,
            data_preprocessor=data_preprocessor, init_cfg=init_cfg,
            metainfo=metainfo)
        if self.input_space not in INPUT_SPACES:
            raise ValueError(f'{type(self).__name__}.input_space must be one '
                             f'of {INPUT_SPACES}')
        self.root_index = int(root_index)
        self.train_cfg = dict(self.train_cfg)
        self.test_cfg = self.head.check_test_cfg(self.test_cfg)
        self.num_joints = getattr(self.head, 'num_joints', None) or \
            getattr(self.backbone, 'num_joints', 17)

    @property
    def with_neck(self) -> bool:
        return False

    @property
    def dataset_meta(self):
        return self.__dict__.get('_poselift_dataset_meta')

    @dataset_meta.setter
    def dataset_meta(self, meta):
        """MMPose's ``init_model`` sets it; a pixel lifter's box
        statistics become :class:`PixelStatsGuard` s, so MMPose's 2D
        normalisation cannot reach it unnoticed."""
        if meta is not None and self.input_space == 'pixel':
            meta = dict(meta)
            guard = PixelStatsGuard(type(self).__name__)
            meta['stats_info'] = dict(meta.get('stats_info') or {},
                                      bbox_center=guard, bbox_scale=guard)
        self.__dict__['_poselift_dataset_meta'] = meta

    def keypoints(self, inputs) -> torch.Tensor:
        """Packed (B, K*2, T) -> checked (B, T, K, 2)."""
        return unpack_keypoints(inputs, self.num_joints, type(self).__name__)

    def extract_feat(self, inputs):
        return self.backbone(self.keypoints(inputs))

    def loss(self, inputs, data_samples) -> dict:
        return self.head.loss(self.extract_feat(inputs), data_samples,
                              train_cfg=self.train_cfg)

    def test_feats(self, inputs, data_samples):
        """The head's features at test time: ``extract_feat``; a lifter
        whose features depend on the samples' scores (the missing-joint
        rule, :mod:`poselift_mm.geometry.missing`) overrides it."""
        return self.extract_feat(inputs)

    @torch.no_grad()
    def predict(self, inputs, data_samples):
        was_training = self.training
        self.eval()  # no dropout, whatever mode the caller left
        try:
            preds = self.head.predict(self.test_feats(inputs, data_samples),
                                      data_samples, test_cfg=self.test_cfg)
        finally:
            self.train(was_training)
        return self.add_pred_to_datasample(preds, data_samples)

    def add_pred_to_datasample(self, batch_pred_instances, batch_data_samples):
        """Each sample's ``pred_instances`` (MMPose's ``PoseLifter``
        contract)."""
        if len(batch_pred_instances) != len(batch_data_samples):
            raise ValueError(f'{type(self).__name__}: '
                             f'{len(batch_pred_instances)} predictions for '
                             f'{len(batch_data_samples)} samples')
        for pred, ds in zip(batch_pred_instances, batch_data_samples):
            ds.pred_instances = pred
        return batch_data_samples
