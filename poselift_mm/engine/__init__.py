"""Training-loop pieces registered in MMPose's registries: the EMA as the
original DiffPose and ZeDO keep it (:mod:`.ema`)."""
from .ema import OriginalEMA, RawWeightsEMAHook

__all__ = ['OriginalEMA', 'RawWeightsEMAHook']
