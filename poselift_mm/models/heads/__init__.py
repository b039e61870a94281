"""Lifting heads (registered in ``mmpose.registry.MODELS``): each owns its
loss and its prediction, decoded through the codec."""
from .base_lifting_head import BaseLiftingHead
from .diffpose_head import DiffPoseHead
from .pose_regression_head import PoseRegressionHead
from .score_head import ScoreHead

__all__ = ['BaseLiftingHead', 'DiffPoseHead', 'PoseRegressionHead',
           'ScoreHead']
