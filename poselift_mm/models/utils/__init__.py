"""Helpers shared by the lifters and their heads: batch readers and
multi-hypothesis post-processing (no registrations)."""
from .hypotheses import (OUTPUT_FRAMES, aggregate_hypotheses,
                         hypothesis_spread, select_frame)
from .inputs import read_cameras, read_scores, read_targets, unpack_keypoints

__all__ = [
    'OUTPUT_FRAMES', 'aggregate_hypotheses', 'hypothesis_spread',
    'select_frame', 'read_cameras', 'read_scores', 'read_targets',
    'unpack_keypoints'
]
