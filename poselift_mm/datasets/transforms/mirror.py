"""The registered MMPose transform :class:`MirrorAboutPrincipalPoint`: a
lifting sample's encoded labels replaced, with a probability, by those of
the mirrored scene seen through the same camera.

For a pinhole camera, reflecting the scene in the camera's y-z plane
(camera-space ``X -> -X``, left and right joints swapped) moves each pixel
to ``x' = 2 c_x - x``: it mirrors the image about the principal point, not
about the image centre. In :class:`~poselift_mm.codecs.ScreenPoseLifting`'s
screen units ``u = 2x/w - 1`` that is ``u' = 2 u_c - u`` with ``u_c = 2 c_x
/ w - 1``. MMPose's ``RandomFlipAroundRoot`` (``flip_label=True``, centre
u = 0), as the original MixSTE's / VideoPose3D's ``augment`` flip, takes
the image centre: its sample is the mirrored scene seen through a camera
whose principal point is mirrored too (VideoPose3D's generator negates the
normalised c_x with it). A lifter that is not given the camera then sees
two principal points, 2 u_c apart (18-40 px for Human3.6M's cameras, which
lie 9-20 px right of the centre): one image position, two ray directions.
This transform keeps the camera: the exact mirror (lens distortion aside).
"""
from typing import Optional

import numpy as np
from mmcv.transforms import BaseTransform
from mmpose.registry import TRANSFORMS

__all__ = ['principal_point_screen', 'mirror_labels',
           'MirrorAboutPrincipalPoint']


def principal_point_screen(camera_param: dict) -> float:
    """u of the principal point in screen units, ``2 c_x / w - 1``
    (``camera_param``: ``c`` in pixels, shape (2,) or (2, 1); ``w``)."""
    if 'c' not in camera_param or 'w' not in camera_param:
        raise KeyError('MirrorAboutPrincipalPoint: camera_param needs the '
                       "principal point 'c' and the image width 'w', got "
                       f'{sorted(camera_param)}')
    cx = float(np.ravel(camera_param['c'])[0])
    return 2. * cx / float(camera_param['w']) - 1.


def mirror_labels(uv, xyz, flip_indices, u_c: float, gmm=None):
    """The mirrored scene's labels.

    Args:
        uv: (..., K, 2) screen 2D.
        xyz: (..., K, 3) root-relative camera-space 3D.
        flip_indices: (K,) the joint each joint becomes.
        u_c: principal point u (screen units).
        gmm: optional (..., K, C, 5) mixtures [pi, mu_u, mu_v, s_u, s_v].

    Returns:
        ``uv'`` with ``u' = 2 u_c - u``, ``xyz'`` with ``X' = -X``, both
        with joints swapped (and ``gmm'``, its means mirrored, if given).
    """
    idx = np.asarray(flip_indices)
    uv = np.array(uv)[..., idx, :]
    uv[..., 0] = 2. * u_c - uv[..., 0]
    xyz = np.array(xyz)[..., idx, :]
    xyz[..., 0] = -xyz[..., 0]
    if gmm is None:
        return uv, xyz
    gmm = np.array(gmm)[..., idx, :, :]
    gmm[..., 1] = 2. * u_c - gmm[..., 1]
    return uv, xyz, gmm


@TRANSFORMS.register_module()
class MirrorAboutPrincipalPoint(BaseTransform):
    """With probability ``prob``, the encoded labels of a lifting sample
    become those of its mirrored scene (:func:`mirror_labels`).

    Put it after ``GenerateTarget`` with a ``ScreenPoseLifting`` codec of
    ``keypoint_space='screen'`` (for 'root' or 'camera' 2D the mirror is
    about 0: MMPose's ``RandomFlipAroundRoot`` with ``center_x=0`` is
    exact there). Labels, like MMPose's ``flip_label=True``: modifies
    ``keypoint_labels`` (..., K, 2), ``lifting_target_label`` (..., K, 3)
    and, when present, ``keypoint_labels_visible``, ``keypoints_visible``,
    ``lifting_target_visible``, ``lifting_target_weight`` (joints swapped)
    and ``keypoints_gmm``; reads ``camera_param`` (``c``, ``w``) and
    ``flip_indices``. Draws from numpy's global RNG, as MMPose's flips
    (seeded per worker by mmengine).

    Args:
        prob: probability of mirroring a sample.
    """

    PER_JOINT = ('keypoint_labels_visible', 'keypoints_visible',
                 'lifting_target_visible', 'lifting_target_weight')

    def __init__(self, prob: float = 0.5):
        if not 0. <= float(prob) <= 1.:
            raise ValueError('MirrorAboutPrincipalPoint: prob must be in '
                             f'[0, 1], got {prob!r}')
        self.prob = float(prob)

    def transform(self, results: dict) -> Optional[dict]:
        if np.random.rand() >= self.prob:
            return results
        for key in ('keypoint_labels', 'lifting_target_label',
                    'flip_indices', 'camera_param'):
            if key not in results:
                raise KeyError(f'MirrorAboutPrincipalPoint: the sample has '
                               f'no {key!r} (put it after GenerateTarget; '
                               'the dataset needs camera_param_file)')
        idx = results['flip_indices']
        k = len(idx)
        out = mirror_labels(results['keypoint_labels'],
                            results['lifting_target_label'], idx,
                            principal_point_screen(results['camera_param']),
                            results.get('keypoints_gmm'))
        results['keypoint_labels'], results['lifting_target_label'] = \
            out[0], out[1]
        if len(out) == 3:
            results['keypoints_gmm'] = out[2]
        for key in self.PER_JOINT:
            v = results.get(key)
            if v is not None and np.ndim(v) and np.shape(v)[-1] == k:
                results[key] = np.array(v)[..., idx]
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(prob={self.prob})'
