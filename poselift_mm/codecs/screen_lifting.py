"""``ScreenPoseLifting``: MMPose's ``VideoPoseLifting`` (screen-normalised
2D ``u = 2x/w - 1``, ``v = 2y/w - h/w``, the normalisation DiffPose uses;
root-relative 3D target) that also passes the 2D confidences on.

A codec's ``instance_mapping_table`` replaces ``PackPoseInputs``' own, and
``VideoPoseLifting``'s lacks ``keypoints_visible``, so with it the detector
scores never reach the model; DiffPose scales its uv noise by them.

``keypoint_space`` chooses the 2D the model sees (the input ablation of
``docs/benchmarks.md``): 'screen' (the above; the image position is kept),
'root' (the same, minus the root joint's 2D in each frame: root-centred) or
'camera' (``(x - c) / f``, :func:`~poselift_mm.geometry.screen.
pixels_to_camera`; without intrinsics in ``camera_param`` a pinhole with f
= the image diagonal and c = the image centre).
"""
import numpy as np
from mmpose.codecs import VideoPoseLifting
from mmpose.registry import KEYPOINT_CODECS

from poselift_mm.geometry.screen import (default_pinhole, pixels_to_camera,
                                         pixels_to_screen)

__all__ = ['ScreenPoseLifting']


@KEYPOINT_CODECS.register_module()
class ScreenPoseLifting(VideoPoseLifting):
    """``VideoPoseLifting`` + ``keypoints_visible`` (and, when the data
    has them, DiffPose's per-frame 2D mixtures ``keypoints_gmm``) in
    ``gt_instances``."""
    auxiliary_encode_keys = VideoPoseLifting.auxiliary_encode_keys | {
        'keypoints_gmm'}
    instance_mapping_table = dict(
        keypoints_visible='keypoints_visible',
        keypoints_gmm='keypoints_gmm',
        lifting_target='lifting_target',
        lifting_target_visible='lifting_target_visible')
    KEYPOINT_SPACES = ('screen', 'root', 'camera')

    def __init__(self, *args, keypoint_space: str = 'screen', **kwargs):
        super().__init__(*args, **kwargs)
        if keypoint_space not in self.KEYPOINT_SPACES:
            raise ValueError(f'ScreenPoseLifting: keypoint_space must be '
                             f'one of {self.KEYPOINT_SPACES}, got '
                             f'{keypoint_space!r}')
        self.keypoint_space = keypoint_space

    def _space(self, labels, keypoints, camera_param):
        """Screen ``labels`` (..., K, 2) in ``keypoint_space``."""
        if self.keypoint_space == 'root':
            roots = list(np.ravel(self.root_index))  # MMPose: a list
            return labels - labels[..., roots, :].mean(-2, keepdims=True)
        if self.keypoint_space == 'camera':
            f0, c0 = default_pinhole(float(camera_param['w']),
                                     float(camera_param['h']))
            f = camera_param.get('f', f0)
            c = camera_param.get('c', c0)
            kp = np.asarray(keypoints, np.float64)
            return pixels_to_camera(kp, f, c).reshape(labels.shape).astype(
                labels.dtype)
        return labels

    def encode(self, keypoints, keypoints_visible=None, lifting_target=None,
               lifting_target_visible=None, camera_param=None,
               keypoints_gmm=None) -> dict:
        """``VideoPoseLifting.encode``; for a window of T 2D frames with
        fewer target frames (a causal or centred window lifting one frame)
        ``keypoints_visible`` is also returned as (1, T, K), so that the
        instance fields of ``gt_instances`` keep one length.
        ``keypoints_gmm`` (T, K, C, 5) [pi, mu_u, mu_v, sigma_u, sigma_v]
        with means in pixels (DiffPose's files) comes back with its means
        in the same screen units as the keypoints (DiffPose's
        ``create_2d_data``); sigma is kept as stored."""
        encoded = super().encode(keypoints, keypoints_visible,
                                 lifting_target, lifting_target_visible,
                                 camera_param)
        if self.keypoint_space != 'screen':
            encoded['keypoint_labels'] = self._space(
                encoded['keypoint_labels'], keypoints, camera_param)
        if keypoints_gmm is not None:
            gmm = np.array(keypoints_gmm, np.float32)
            gmm[..., 1:3] = pixels_to_screen(gmm[..., 1:3],
                                             camera_param['w'],
                                             camera_param['h'])
            encoded['keypoints_gmm'] = gmm
        if keypoints_visible is not None and lifting_target is not None:
            vis = np.asarray(keypoints_visible)
            k = vis.shape[-1]
            target = np.asarray(lifting_target)
            n_target = int(np.prod(target.shape[:-2])) if target.ndim > 2 \
                else 1
            if vis.size // max(k, 1) != n_target:
                encoded['keypoints_visible'] = vis.reshape(1, -1, k)
                if 'keypoints_gmm' in encoded:
                    g = encoded['keypoints_gmm']
                    encoded['keypoints_gmm'] = g.reshape(1, -1, *g.shape[-3:])
        return encoded
