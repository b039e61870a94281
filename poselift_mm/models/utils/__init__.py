"""Helpers shared by the lifters and their heads: batch readers and
multi-hypothesis post-processing (no registrations)."""
from .hypotheses import (AGGREGATES, OUTPUT_FRAMES, aggregate_hypotheses,
                         hypothesis_reprojection,
                         hypothesis_spread, select_frame)
from .inputs import (read_cameras, read_gmm, read_image_sizes, read_scores,
                     read_targets, unpack_keypoints)

__all__ = [
    'AGGREGATES', 'hypothesis_reprojection', 'read_image_sizes', 'read_gmm',
    'OUTPUT_FRAMES', 'aggregate_hypotheses', 'hypothesis_spread',
    'select_frame', 'read_cameras', 'read_scores', 'read_targets',
    'unpack_keypoints'
]
