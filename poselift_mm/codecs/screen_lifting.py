"""``ScreenPoseLifting``: MMPose's ``VideoPoseLifting`` (screen-normalised
2D ``u = 2x/w - 1``, ``v = 2y/w - h/w``, the normalisation DiffPose uses;
root-relative 3D target) that also passes the 2D confidences on.

A codec's ``instance_mapping_table`` replaces ``PackPoseInputs``' own, and
``VideoPoseLifting``'s lacks ``keypoints_visible``, so with it the detector
scores never reach the model; DiffPose scales its uv noise by them.
"""
from mmpose.codecs import VideoPoseLifting
from mmpose.registry import KEYPOINT_CODECS

__all__ = ['ScreenPoseLifting']


@KEYPOINT_CODECS.register_module()
class ScreenPoseLifting(VideoPoseLifting):
    """``VideoPoseLifting`` + ``keypoints_visible`` in ``gt_instances``."""
    instance_mapping_table = dict(
        keypoints_visible='keypoints_visible',
        lifting_target='lifting_target',
        lifting_target_visible='lifting_target_visible')
