"""Models: pose-model backbones, denoisers, priors, heads and lifters
(registered in MMPose's MODELS)."""
from .backbones import GCNPose, MixSTE  # noqa: F401  (registration)
from .denoisers import GCNdiff, ZeDOScoreMLP  # noqa: F401
from .heads import (BaseLiftingHead, DiffPoseHead,  # noqa: F401
                    PoseRegressionHead, ScoreHead)
from .pose_estimators import (BaseLifter, DiffPoseLifter,  # noqa: F401
                              ZeDOLifter)
from .priors import GMMPrior  # noqa: F401

__all__ = [
    'GCNPose', 'MixSTE', 'GCNdiff', 'ZeDOScoreMLP', 'DiffPoseHead',
    'ScoreHead', 'DiffPoseLifter', 'ZeDOLifter', 'GMMPrior',
    'BaseLiftingHead', 'PoseRegressionHead', 'BaseLifter'
]
