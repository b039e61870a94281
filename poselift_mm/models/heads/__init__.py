"""Heads (registered in ``mmpose.registry.MODELS``)."""
from .diffpose_head import DiffPoseHead
from .score_head import ScoreHead

__all__ = ['DiffPoseHead', 'ScoreHead']
