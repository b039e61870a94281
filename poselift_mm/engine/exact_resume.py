"""Exact resume of an interrupted training: a run killed after a
checkpoint and resumed with ``--resume`` continues as if it had never
stopped (the same batches, dropout masks and noise; final weights equal to
float noise).

mmengine 0.10.7 restores the weights, optimiser, schedulers, message hub
and the epoch / iteration counters, but an epoch-based loop then runs the
resumed epoch again from its first batch, its sampler keeps the seed of
the new process (it is built before the checkpoint is read), and the
python / numpy / torch generators and the data transforms' own generators
start afresh. Here:

* :class:`ExactResumeHook` writes ``meta['exact_resume']`` into every
  checkpoint: the epoch and the batches of it already trained, the
  sampler's seed, and the random states (python, numpy, torch CPU and
  CUDA, and every pipeline transform with ``get_rng_state`` /
  ``set_rng_state``, e.g. ``DetectorNoise2D``);
* :class:`ExactResumeEpochBasedTrainLoop` (``EpochBasedTrainLoop`` plus
  that) resumes from it: same sampler seed and epoch, the consumed batches
  skipped at the sampler (their samples are not loaded again), the random
  states restored where the interrupted run stood. Validation runs with
  the training's random states set aside, so an epoch-end checkpoint
  resumes exactly as well.

:func:`use_exact_resume` switches a config's epoch-based loop to it
(``tools/train.py`` does). Exact for a single process with
``num_workers=0``; with data-loader workers or several ranks the sampler
position and seed are restored but the workers' and other ranks' random
states are not (a warning says so). ``IterBasedTrainLoop`` configs are left
to mmengine.
"""
import itertools
import random
from typing import Optional

import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.runner import EpochBasedTrainLoop
from mmpose.registry import LOOPS

__all__ = ['ExactResumeHook', 'ExactResumeEpochBasedTrainLoop',
           'use_exact_resume', 'capture_rng', 'restore_rng',
           'rng_transforms', 'SkipFirst']

META_KEY = 'exact_resume'
LOOP_TYPE = 'ExactResumeEpochBasedTrainLoop'


def rng_transforms(dataset) -> list:
    """The transforms with their own generator (``get_rng_state`` and
    ``set_rng_state``) in the pipelines of ``dataset`` and of the datasets
    it wraps (``dataset`` / ``datasets`` attributes), in a fixed order."""
    found, stack, seen = [], [dataset], set()
    while stack:
        ds = stack.pop(0)
        if ds is None or id(ds) in seen:
            continue
        seen.add(id(ds))
        for t in getattr(getattr(ds, 'pipeline', None), 'transforms', []):
            if hasattr(t, 'get_rng_state') and hasattr(t, 'set_rng_state'):
                found.append(t)
        stack.append(getattr(ds, 'dataset', None))
        stack.extend(getattr(ds, 'datasets', None) or [])
    return found


def capture_rng(transforms: list) -> dict:
    """This process's random states: python, numpy (legacy global), torch
    CPU, CUDA (when initialised) and each of ``transforms``. Plain values
    and tensors only, so a checkpoint holding it loads weights-only."""
    name, keys, pos, has_gauss, gauss = np.random.get_state(legacy=True)
    state = dict(python=random.getstate(),
                 numpy=(name, [int(k) for k in keys], int(pos),
                        int(has_gauss), float(gauss)),
                 torch=torch.get_rng_state(),
                 transforms=[t.get_rng_state() for t in transforms])
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def restore_rng(state: dict, transforms: list) -> None:
    """Set the random states :func:`capture_rng` returned."""
    random.setstate(state['python'])
    name, keys, pos, has_gauss, gauss = state['numpy']
    np.random.set_state((name, np.asarray(keys, np.uint32), pos, has_gauss,
                         gauss))
    torch.set_rng_state(state['torch'])
    if state.get('cuda') is not None and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state['cuda'])
    saved = state.get('transforms') or []
    if len(saved) != len(transforms):
        raise ValueError(f'exact resume: the checkpoint has the random '
                         f'states of {len(saved)} data transforms, the '
                         f'pipeline has {len(transforms)}')
    for t, s in zip(transforms, saved):
        t.set_rng_state(s)


class SkipFirst:
    """A sampler that yields ``sampler``'s indices after the first
    ``count``; its length is ``sampler``'s, so the epoch keeps its
    length for the loggers."""

    def __init__(self, sampler, count: int):
        self.sampler, self.count = sampler, int(count)

    def __iter__(self):
        return itertools.islice(iter(self.sampler), self.count, None)

    def __len__(self) -> int:
        return len(self.sampler)


class ExactResumeHook(Hook):
    """Save the resume state of ``loop`` in each checkpoint's meta, and
    hand the state of a loaded checkpoint to the loop (which uses it only
    when the runner resumed from it, not for ``load_from``)."""
    priority = 'NORMAL'

    def __init__(self, loop: 'ExactResumeEpochBasedTrainLoop'):
        self.loop = loop

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        meta = checkpoint.setdefault('meta', {})
        loop = self.loop
        epoch = int(meta.get('epoch', loop.epoch))
        # an epoch-end checkpoint says epoch + 1: nothing of it is done yet
        done = loop.batches_done if epoch == loop.epoch else 0
        sampler = getattr(loop.dataloader, 'sampler', None)
        meta[META_KEY] = dict(
            epoch=epoch, iter=int(meta.get('iter', loop.iter)), batch=done,
            sampler_seed=getattr(sampler, 'seed', None),
            world_size=runner.world_size,
            rng=capture_rng(rng_transforms(loop.dataloader.dataset)))

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        self.loop.resume_state = (checkpoint.get('meta') or {}).get(META_KEY)


@LOOPS.register_module()
class ExactResumeEpochBasedTrainLoop(EpochBasedTrainLoop):
    """mmengine's ``EpochBasedTrainLoop`` that resumes exactly (module
    doc). Same arguments."""

    def __init__(self, runner, dataloader, max_epochs: int, **kwargs):
        super().__init__(runner, dataloader, max_epochs, **kwargs)
        self.batches_done = 0  # batches of the current epoch trained
        self.resume_state: Optional[dict] = None
        runner.register_hook(ExactResumeHook(self))

    def _take_resume_state(self) -> Optional[dict]:
        """The loaded checkpoint's state when the runner resumed from it
        (its epoch and iteration are the loop's), else None."""
        state, self.resume_state = self.resume_state, None
        if not state or (state['epoch'], state['iter']) != (self._epoch,
                                                           self._iter):
            return None
        return state

    def _restore(self, state: dict) -> None:
        if state['world_size'] != 1 or self.runner.world_size != 1:
            self.runner.logger.warning(
                'exact resume: random states are restored only for a '
                'single process; this run continues with fresh ones')
            return
        if getattr(self.dataloader, 'num_workers', 0):
            self.runner.logger.warning(
                'exact resume: the data-loader workers\' random states are '
                'not restored (num_workers > 0)')
        restore_rng(state['rng'], rng_transforms(self.dataloader.dataset))

    def run(self) -> torch.nn.Module:
        """mmengine's epoch loop, resuming from :attr:`resume_state`;
        validation does not draw from the training's random states."""
        state = self._take_resume_state()
        sampler = getattr(self.dataloader, 'sampler', None)
        if state and state.get('sampler_seed') is not None and \
                hasattr(sampler, 'seed'):
            sampler.seed = state['sampler_seed']
        self.runner.call_hook('before_train')
        while self._epoch < self._max_epochs and not self.stop_training:
            self.run_epoch(state)
            state = None
            self._decide_current_val_interval()
            if (self.runner.val_loop is not None
                    and self._epoch >= self.val_begin
                    and (self._epoch % self.val_interval == 0
                         or self._epoch == self._max_epochs)):
                saved = capture_rng([])
                self.runner.val_loop.run()
                restore_rng(saved, [])
        self.runner.call_hook('after_train')
        return self.runner.model

    def run_epoch(self, state: Optional[dict] = None) -> None:
        """One epoch; with ``state`` (a resume inside or at the start of
        this epoch) its trained batches are skipped and the random states
        restored where the interrupted run drew its next batch."""
        skip = int(state['batch']) if state else 0
        if state and not skip:  # as at the start of any epoch
            self._restore(state)
        self.runner.call_hook('before_train_epoch')
        self.runner.model.train()
        batch_sampler = getattr(self.dataloader, 'batch_sampler', None)
        original = getattr(batch_sampler, 'sampler', None)
        at_sampler = bool(skip) and original is not None and isinstance(
            getattr(batch_sampler, 'batch_size', None), int)
        if skip:
            self.runner.logger.info(
                f'exact resume: epoch {self._epoch + 1}, skipping its {skip} '
                'trained batches')
        if at_sampler:  # the trained samples are not even loaded
            batch_sampler.sampler = SkipFirst(
                original, skip * batch_sampler.batch_size)
        try:
            batches = iter(self.dataloader)  # draws the loader's base seed
            if skip and not at_sampler:  # a custom batch sampler: draw them
                for _ in range(skip):
                    next(batches, None)
            if skip:  # mid-epoch: after that draw, as the interrupted run
                self._restore(state)
            self.batches_done = skip
            for idx, data_batch in enumerate(batches, start=skip):
                self.run_iter(idx, data_batch)
        finally:
            if at_sampler:
                batch_sampler.sampler = original
        self.runner.call_hook('after_train_epoch')
        self._epoch += 1
        self.batches_done = 0

    def run_iter(self, idx: int, data_batch) -> None:
        self.batches_done = idx + 1  # what a checkpoint of this iter saves
        super().run_iter(idx, data_batch)


def use_exact_resume(cfg) -> None:
    """Switch ``cfg.train_cfg`` from an epoch-based loop (``by_epoch=True``
    or ``type='EpochBasedTrainLoop'``) to
    :class:`ExactResumeEpochBasedTrainLoop`; other loops are left."""
    loop = cfg.get('train_cfg')
    if not loop:
        return
    if 'type' not in loop and loop.get('by_epoch', False):
        loop.pop('by_epoch')
        loop['type'] = LOOP_TYPE
    elif loop.get('type') in ('EpochBasedTrainLoop', EpochBasedTrainLoop):
        loop['type'] = LOOP_TYPE

