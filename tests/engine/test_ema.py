"""The EMA as the originals keep it: ``OriginalEMA`` against their update
rules written out here, and ``RawWeightsEMAHook`` (validate / test / save the
raw weights, keep the average in ``ema_state_dict``) against MMPose's
``EMAHook``, which swaps the average in.

* ZeDO (ipl-uw/ZeDO-Release ``lib/algorithms/ema.py``): the shadow starts
  at the initial weights; update n: ``decay = min(0.9999, (1 + n) /
  (10 + n))``, ``s -= (1 - decay) * (s - p)``.
* DiffPose (GONGJIA0208/Diffpose ``models/ema.py``): the shadow starts at
  the registered weights; ``s = (1 - mu) * p + mu * s``, mu = 0.999.
"""
from types import SimpleNamespace

import pytest
import torch
import torch.nn as nn
from mmengine.hooks import EMAHook
from mmengine.registry import init_default_scope
from mmpose.registry import HOOKS, MODELS

from poselift_mm.engine import OriginalEMA, RawWeightsEMAHook
from poselift_mm.engine.ema import ema_decay


def training_steps(model, n, seed=0):
    """n fake optimiser steps; yields after each."""
    g = torch.Generator().manual_seed(seed)
    for _ in range(n):
        with torch.no_grad():
            for p in model.parameters():
                p.add_(torch.randn(p.shape, generator=g))
        yield


def test_zedo_ramped_ema():
    model = nn.Linear(3, 2)
    ema = OriginalEMA(model, momentum=1e-4, warmup=True)
    shadow = [p.detach().clone() for p in model.parameters()]
    num_updates = 0
    for _ in training_steps(model, 30):
        ema.update_parameters(model)
        num_updates += 1  # ZeDO's update()
        decay = min(0.9999, (1 + num_updates) / (10 + num_updates))
        for s, p in zip(shadow, model.parameters()):
            s.sub_((1 - decay) * (s - p.detach()))
    for s, (name, p) in zip(shadow, ema.module.named_parameters()):
        torch.testing.assert_close(p, s, rtol=1e-6, atol=1e-6)
    assert ema_decay(0.9999, 1, True) == pytest.approx(2 / 11)
    assert ema_decay(0.9999, 10 ** 6, True) == 0.9999


def test_diffpose_constant_ema():
    model = nn.Linear(3, 2)
    ema = OriginalEMA(model, momentum=1e-3)
    shadow = {k: p.detach().clone() for k, p in model.named_parameters()}
    for _ in training_steps(model, 5, seed=1):
        ema.update_parameters(model)
        for k, p in model.named_parameters():  # EMAHelper.update
            shadow[k] = (1. - 0.999) * p.detach() + 0.999 * shadow[k]
    for k, p in ema.module.named_parameters():
        torch.testing.assert_close(p, shadow[k], rtol=1e-6, atol=1e-6)
    with pytest.raises(ValueError, match='momentum'):
        OriginalEMA(model, momentum=0.)


def fake_runner(model, resume=False):
    return SimpleNamespace(model=model, iter=0, epoch=0, max_iters=100,
                           max_epochs=1, _resume=resume)


def run_hook(hook_cls, model):
    hook = hook_cls(ema_type='OriginalEMA', momentum=0.5)
    runner = fake_runner(model)
    hook.before_run(runner)
    for _ in training_steps(model, 3, seed=2):
        hook.after_train_iter(runner, 0)
        runner.iter += 1
    return hook, runner


@pytest.mark.parametrize('hook_cls', [RawWeightsEMAHook, EMAHook])
def test_raw_weights_hook(hook_cls):
    init_default_scope('mmpose')
    model = nn.Linear(3, 2)
    hook, runner = run_hook(hook_cls, model)
    raw = {k: v.clone() for k, v in model.state_dict().items()}
    avg = {k[len('module.'):]: v.clone() for k, v in
           hook.ema_model.state_dict().items() if k.startswith('module.')}
    assert not torch.equal(raw['weight'], avg['weight'])
    seen = {}
    hook.before_val_epoch(runner)
    seen['val'] = model.weight.detach().clone()
    hook.after_val_epoch(runner)
    hook.before_test_epoch(runner)
    seen['test'] = model.weight.detach().clone()
    hook.after_test_epoch(runner)
    ckpt = dict(state_dict={k: v.clone() for k, v in
                            model.state_dict().items()})
    hook.before_save_checkpoint(runner, ckpt)
    if hook_cls is RawWeightsEMAHook:  # the originals: raw everywhere
        expected, saved_avg = raw, ckpt['ema_state_dict']
    else:  # MMPose: the average is validated, tested and saved
        expected, saved_avg = avg, None
    assert torch.equal(seen['val'], expected['weight'])
    assert torch.equal(seen['test'], expected['weight'])
    assert torch.equal(ckpt['state_dict']['weight'], expected['weight'])
    if saved_avg is not None:
        assert torch.equal(saved_avg['module.weight'], avg['weight'])
        # resuming restores the average, not a copy of the raw weights
        model2 = nn.Linear(3, 2)
        hook2 = RawWeightsEMAHook(ema_type='OriginalEMA', momentum=0.5)
        runner2 = fake_runner(model2, resume=True)
        hook2.before_run(runner2)
        model2.load_state_dict(ckpt['state_dict'])
        hook2.after_load_checkpoint(runner2, ckpt)
        assert torch.equal(hook2.ema_model.module.weight, avg['weight'])
        assert torch.equal(model2.weight, raw['weight'])


def test_registered():
    init_default_scope('mmpose')
    hook = HOOKS.build(dict(type='RawWeightsEMAHook', ema_type='OriginalEMA',
                            momentum=1e-4, warmup=True, begin_iter=0))
    assert isinstance(hook, RawWeightsEMAHook)
    assert MODELS.get('OriginalEMA') is OriginalEMA
