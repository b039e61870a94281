"""Training-loop pieces registered in MMPose's registries: the EMA as the
original DiffPose and ZeDO keep it (:mod:`.ema`), and the epoch loop that
resumes an interrupted training exactly (:mod:`.exact_resume`)."""
from .ema import OriginalEMA, RawWeightsEMAHook
from .exact_resume import (ExactResumeEpochBasedTrainLoop, ExactResumeHook,
                           use_exact_resume)

__all__ = ['OriginalEMA', 'RawWeightsEMAHook',
           'ExactResumeEpochBasedTrainLoop', 'ExactResumeHook',
           'use_exact_resume']
