"""``PixelPoseLifting``: the codec of optimisation-based lifters (ZeDO).

ZeDO works on the raw pixel 2D and the camera intrinsics, so the codec
leaves the 2D in pixels (no screen normalisation) and makes the 3D target
root-relative metres, the space of the score prior.
"""
from typing import Optional

import numpy as np
from mmpose.codecs.base import BaseKeypointCodec
from mmpose.registry import KEYPOINT_CODECS

__all__ = ['PixelPoseLifting']


@KEYPOINT_CODECS.register_module()
class PixelPoseLifting(BaseKeypointCodec):
    """Encode: ``keypoint_labels`` = pixel 2D (T, K, 2) unchanged,
    ``keypoint_labels_visible`` (T, K), ``lifting_target_label`` (T, K, 3)
    metres relative to ``root_index``, ``target_root`` (T, 3).
    Decode: root-relative metres pass through.
    """
    auxiliary_encode_keys = {'lifting_target', 'lifting_target_visible'}
    # keypoints_visible (the 2D confidences) must reach gt_instances: a
    # codec's table replaces PackPoseInputs' own, which holds it
    instance_mapping_table = dict(
        keypoints_visible='keypoints_visible',
        lifting_target='lifting_target',
        lifting_target_visible='lifting_target_visible')
    label_mapping_table = dict(
        keypoint_labels_visible='keypoint_labels_visible',
        lifting_target_label='lifting_target_label',
        lifting_target_weight='lifting_target_weight')

    def __init__(self, num_keypoints: int = 17, root_index: int = 0):
        super().__init__()
        self.num_keypoints = num_keypoints
        self.root_index = root_index

    def encode(self,
               keypoints: np.ndarray,
               keypoints_visible: Optional[np.ndarray] = None,
               lifting_target: Optional[np.ndarray] = None,
               lifting_target_visible: Optional[np.ndarray] = None) -> dict:
        """keypoints (T, K, 2) px; lifting_target (T, K, 3) metres."""
        if keypoints.shape[-2] != self.num_keypoints:
            raise ValueError(
                f'PixelPoseLifting: keypoints have {keypoints.shape[-2]} '
                f'joints, the codec expects {self.num_keypoints}')
        if keypoints_visible is None:
            keypoints_visible = np.ones(keypoints.shape[:-1], np.float32)
        out = dict(
            keypoint_labels=keypoints.astype(np.float32),
            keypoint_labels_visible=keypoints_visible.astype(np.float32))
        if lifting_target is not None:
            root = lifting_target[..., self.root_index:self.root_index + 1, :]
            out['lifting_target_label'] = (lifting_target - root).astype(
                np.float32)
            out['target_root'] = root[..., 0, :].astype(np.float32)
            if lifting_target_visible is None:
                lifting_target_visible = np.ones(lifting_target.shape[:-1],
                                                 np.float32)
            out['lifting_target_weight'] = np.asarray(
                lifting_target_visible, np.float32).reshape(
                    lifting_target.shape[:-1])
        return out

    def decode(self, encoded: np.ndarray, target_root=None):
        """(N, K, 3) root-relative metres -> (keypoints, scores (N, K))."""
        keypoints = encoded.copy()
        if target_root is not None:
            keypoints = keypoints + np.asarray(target_root)[..., None, :]
        return keypoints, np.ones(keypoints.shape[:-1], np.float32)
