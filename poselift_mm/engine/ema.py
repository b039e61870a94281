"""The exponential moving average of the weights as the originals keep it.

Both originals update an EMA after every optimiser step and save it with
the checkpoint, but evaluate and release the raw weights: DiffPose
(GONGJIA0208/Diffpose ``models/ema.py`` ``EMAHelper``, decay 0.999, the
shadow saved as element 4 of the checkpoint list, tests on element 0) and
ZeDO (ipl-uw/ZeDO-Release ``lib/algorithms/ema.py``, decay 0.9999 ramped as
``min(decay, (1 + n) / (10 + n))`` after update n, saved as ``'ema'``;
``run/opt_main.py`` loads it but never applies it). MMPose's ``EMAHook``
instead validates, tests and saves the EMA weights.

* :class:`OriginalEMA` (``ema_type`` of the hook): the originals' update,
  averaged from the initial weights at the first update (mmengine's
  averages copy the weights there), with ZeDO's ramp when ``warmup``.
* :class:`RawWeightsEMAHook`: keeps that EMA and saves it as the
  checkpoint's ``ema_state_dict``, while validation, test and the
  checkpoint's ``state_dict`` use the raw weights, as the originals.
"""
import copy
from typing import Dict, Optional

import torch
from mmengine.hooks import EMAHook
from mmengine.model import BaseAveragedModel
from mmpose.registry import HOOKS, MODELS

__all__ = ['OriginalEMA', 'RawWeightsEMAHook', 'ema_decay']


def ema_decay(decay: float, num_updates: int, warmup: bool) -> float:
    """The decay of update ``num_updates`` (1 for the first): ``decay``, or
    with ``warmup`` ZeDO's / score_sde's ``min(decay, (1 + n) / (10 + n))``.
    """
    if not warmup:
        return decay
    return min(decay, (1 + num_updates) / (10 + num_updates))


@MODELS.register_module()
class OriginalEMA(BaseAveragedModel):
    """``s <- decay_n * s + (1 - decay_n) * p`` after every update, from the
    initial weights on (no copy at the first update), ``decay = 1 -
    momentum``; ``warmup``: ZeDO's ramp (:func:`ema_decay`). Buffers follow
    the model unless ``update_buffers``.

    Args:
        model: the model to average.
        momentum: ``1 - decay`` (DiffPose 1e-3, ZeDO 1e-4).
        warmup: ZeDO's ``(1 + n) / (10 + n)`` ramp of the decay.
        interval, device, update_buffers: as mmengine's averaged models.
    """

    def __init__(self, model: torch.nn.Module, momentum: float = 1e-4,
                 warmup: bool = False, interval: int = 1,
                 device: Optional[torch.device] = None,
                 update_buffers: bool = False) -> None:
        super().__init__(model, interval, device, update_buffers)
        if not 0. < momentum < 1.:
            raise ValueError(f'OriginalEMA: momentum must be in (0, 1), got '
                             f'{momentum}')
        self.momentum = float(momentum)
        self.warmup = bool(warmup)

    def avg_func(self, averaged_param: torch.Tensor,
                 source_param: torch.Tensor, steps: int) -> None:
        """``steps`` updates came before this one."""
        decay = ema_decay(1. - self.momentum, steps + 1, self.warmup)
        averaged_param.lerp_(source_param, 1. - decay)

    def update_parameters(self, model: torch.nn.Module) -> None:
        src = (model.state_dict() if self.update_buffers else
               dict(model.named_parameters()))
        if int(self.steps) % self.interval == 0:
            for k, p_avg in self.avg_parameters.items():
                if p_avg.dtype.is_floating_point:
                    self.avg_func(p_avg.data,
                                  src[k].data.to(p_avg.device),
                                  int(self.steps))
        if not self.update_buffers:
            for b_avg, b_src in zip(self.module.buffers(), model.buffers()):
                b_avg.data.copy_(b_src.data.to(b_avg.device))
        self.steps += 1


@HOOKS.register_module()
class RawWeightsEMAHook(EMAHook):
    """MMPose's ``EMAHook`` (same arguments: ``ema_type``, ``begin_iter``,
    ``begin_epoch``, the averaged model's keywords) that keeps the EMA
    without using it: validation and test run the raw weights, the
    checkpoint's ``state_dict`` holds the raw weights and its
    ``ema_state_dict`` the average (resumed from there). This is what
    DiffPose and ZeDO do; evaluate the EMA by converting or loading
    ``ema_state_dict`` yourself."""

    def before_val_epoch(self, runner) -> None:
        pass

    def after_val_epoch(self, runner,
                        metrics: Optional[Dict[str, float]] = None) -> None:
        pass

    def before_test_epoch(self, runner) -> None:
        pass

    def after_test_epoch(self, runner,
                         metrics: Optional[Dict[str, float]] = None) -> None:
        pass

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint['ema_state_dict'] = self.ema_model.state_dict()

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        if runner._resume and 'ema_state_dict' in checkpoint:
            self.ema_model.load_state_dict(checkpoint['ema_state_dict'],
                                           strict=self.strict_load)
        else:  # a fresh average of the loaded weights
            from mmengine.runner.checkpoint import load_state_dict
            load_state_dict(self.ema_model.module,
                            copy.deepcopy(checkpoint['state_dict']),
                            strict=self.strict_load)
