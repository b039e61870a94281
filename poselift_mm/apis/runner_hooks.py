"""mmengine hooks that ``tools/test.py`` and ``tools/train.py`` add to the
runner (instances, not registered: they are command-line behaviour, not
config entries).

* :class:`TestProgressHook`: mmengine's test loop prints nothing between
  its LoggerHook lines (every ``interval`` = 50 batches in MMPose's
  runtime), so a 46-batch test ran 81 s silently. This logs up to ten
  progress lines with an ETA once a run has taken 5 s, only when the
  LoggerHook would log fewer.
* :class:`SaveMetricsHook`: ``--out``: the test metrics to a .json / .yaml
  file (MMPose's ``tools/test.py``), written atomically.
* :class:`LiftingVisualizationHook`: ``--show-dir`` / ``--show`` /
  ``--badcase`` for lifters. MMPose's ``PoseVisualizationHook`` and
  ``BadCaseAnalysisHook`` draw on the sample's image, which lifting data
  does not have; this draws the lifter's 2D input beside its 3D pose and
  the ground truth instead (one PNG per sample, every ``interval``-th;
  with ``badcase_thr`` only samples whose MPJPE reaches it, listed in
  ``results.json``).
"""
import json
import math
import os
import os.path as osp
import time
from typing import Optional

import numpy as np
from mmengine.hooks import Hook

__all__ = ['TestProgressHook', 'SaveMetricsHook',
           'LiftingVisualizationHook', 'sample_mpjpe']


class TestProgressHook(Hook):
    """Up to ``steps`` log lines ``test: i/n batches, elapsed, ETA`` over a
    test run, from ``min_seconds`` on (a short run stays quiet; none when
    the LoggerHook's own interval already gives at least as many)."""
    priority = 'VERY_LOW'

    def __init__(self, steps: int = 10, min_seconds: float = 5.,
                 clock=time.perf_counter):
        self.steps = max(1, int(steps))
        self.min_seconds = float(min_seconds)
        self.clock = clock
        self.every = 0
        self.total = 0
        self.t0 = 0.

    def before_test_epoch(self, runner) -> None:
        self.total = len(runner.test_dataloader)
        self.every = max(1, math.ceil(self.total / self.steps))
        logger = next((h for h in runner.hooks
                       if type(h).__name__ == 'LoggerHook'), None)
        if logger is not None and logger.interval <= self.every:
            self.every = 0  # the LoggerHook logs often enough
        self.t0 = self.clock()

    def after_test_iter(self, runner, batch_idx: int, data_batch=None,
                        outputs=None) -> None:
        done = batch_idx + 1
        if not self.every or done % self.every or done >= self.total:
            return
        spent = self.clock() - self.t0
        if spent < self.min_seconds:
            return
        eta = spent / done * (self.total - done)
        runner.logger.info(f'test: {done}/{self.total} batches, '
                           f'{spent:.0f} s, eta {eta:.0f} s')


class SaveMetricsHook(Hook):
    """Write the test metrics to ``path`` (.json, .yaml or .yml) atomically,
    on the main process."""
    priority = 'LOWEST'

    def __init__(self, path: str):
        self.path = path

    def after_test_epoch(self, runner, metrics: Optional[dict] = None) -> None:
        from mmengine.dist import is_main_process

        from poselift_mm.utils.io import atomic_path
        if metrics is None or not is_main_process():
            return
        doc = {k: _plain(v) for k, v in metrics.items()}
        with atomic_path(self.path) as tmp:
            if self.path.endswith('.json'):
                with open(tmp, 'w') as f:
                    json.dump(doc, f, indent=2)
                    f.write('\n')
            else:
                import yaml
                with open(tmp, 'w') as f:
                    yaml.safe_dump(doc, f, sort_keys=False)
        runner.logger.info(f'metrics written to {self.path}')


def _plain(value):
    """numpy scalars / arrays -> Python numbers / lists."""
    if hasattr(value, 'tolist'):
        return value.tolist()
    return value


def _numpy(x):
    return x.detach().cpu().numpy() if hasattr(x, 'detach') else \
        np.asarray(x)


def _inputs_2d(inputs, num_joints: int):
    """The model input of one sample, MMPose's packed (K*2, T) 2D (as the
    lifter sees it: normalised by its codec), as (T, K, 2); None when it is
    not that layout."""
    if inputs is None:
        return None
    x = _numpy(inputs)
    if x.ndim != 2 or x.shape[0] != 2 * num_joints:
        return None
    return x.reshape(num_joints, 2, -1).transpose(2, 0, 1)


def _sample(ds, root: int, inputs=None) -> dict:
    """The lifting sample's root-relative pred and gt (T, K, 3) metres,
    visibility (T, K), 2D input (T2, K, 2) or None, and its name."""
    from poselift_mm.evaluation.metrics.lifting_samples import \
        read_lifting_sample
    s = read_lifting_sample(ds, 'LiftingVisualizationHook')
    pred = s['pred'] - s['pred'][:, root:root + 1]
    gt = s['gt'] - s['gt'][:, root:root + 1]
    name = osp.basename(str(s['names'][0])) if s['names'] else ''
    return dict(pred=pred, gt=gt, visible=s['visible'],
                kp2d=_inputs_2d(inputs, gt.shape[1]),
                name=osp.splitext(name)[0])


def _batch_inputs(data_batch, n: int) -> list:
    """The batch's per-sample model inputs (None each when unknown)."""
    inputs = (data_batch or {}).get('inputs') if isinstance(
        data_batch, dict) else None
    if inputs is None or len(inputs) != n:
        return [None] * n
    return list(inputs)


def sample_mpjpe(sample: dict) -> float:
    """Root-relative MPJPE (mm) of one sample over its visible joints."""
    err = np.linalg.norm(sample['pred'] - sample['gt'], axis=-1)
    vis = np.asarray(sample['visible'], bool)
    return float(1000. * err[vis].mean()) if vis.any() else float('nan')


def draw_sample(sample: dict, title: str):
    """An RGB (H, W, 3) uint8 figure: the 2D input (when the sample has
    it) beside the 3D prediction (solid) and ground truth (dashed), the
    middle frame of a window."""
    import matplotlib
    matplotlib.use('Agg', force=False)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from poselift_mm.visualization.clip_figures import setup_3d
    from poselift_mm.visualization.display import camera_to_display
    from poselift_mm.visualization.renderer import (draw_skeleton_3d,
                                                    figure_rgb)
    from poselift_mm.visualization.skeleton import (edge_colours,
                                                    skeleton_edges)
    t = len(sample['pred']) // 2
    kp2d = sample['kp2d']
    cols = 2 if kp2d is not None and kp2d.shape[1] == 17 else 1
    fig = Figure(figsize=(3.6 * cols, 3.8), dpi=80)
    FigureCanvasAgg(fig)
    if cols == 2:
        ax = fig.add_subplot(1, 2, 1)
        same = len(kp2d) == len(sample['pred'])  # seq-to-seq window
        kp = kp2d[t if same else len(kp2d) // 2]
        for (a, b), col in zip(skeleton_edges(), edge_colours()):
            ax.plot(*zip(kp[a], kp[b]), color=tuple(col), lw=1.5)
        ax.scatter(kp[:, 0], kp[:, 1], color='k', s=6)
        ax.invert_yaxis()  # image y down, in whatever units the codec uses
        ax.set_aspect('equal', adjustable='datalim')
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title("2D input (the lifter's units)", fontsize=9)
    ax = fig.add_subplot(1, cols, cols, projection='3d')
    if sample['gt'].shape[1] == 17:
        for pose, colour, ls in ((sample['gt'][t], (0.15, 0.15, 0.15), '--'),
                                 (sample['pred'][t], (0.84, 0.15, 0.16),
                                  '-')):
            draw_skeleton_3d(ax, camera_to_display(pose, rebase=False),
                             edge_colours(colour), lw=1.8, ls=ls)
    else:  # not Human3.6M-17: joints only
        for pose, colour in ((sample['gt'][t], 'k'),
                             (sample['pred'][t], 'r')):
            d = camera_to_display(pose, rebase=False)
            ax.scatter(d[:, 0], d[:, 1], d[:, 2], color=colour, s=6)
    setup_3d(ax, 'prediction (solid), ground truth (dashed)')
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return figure_rgb(fig.canvas)


class LiftingVisualizationHook(Hook):
    """Draw lifting samples (module doc).

    Args:
        out_dir: folder for the PNGs; relative paths are taken under
            ``<work_dir>/<timestamp>/`` as MMPose's hooks do. None: none
            written (``show`` only).
        show: also display each drawing in a window (needs a display).
        wait_time: seconds a shown drawing stays up.
        interval: test: every ``interval``-th sample; validation: the first
            sample of every ``interval``-th batch.
        badcase_thr: test only: draw (and list) only samples whose
            root-relative MPJPE is at least this many mm.
    """
    priority = 'NORMAL'

    def __init__(self, out_dir: Optional[str] = None, show: bool = False,
                 wait_time: float = 1., interval: int = 1,
                 badcase_thr: Optional[float] = None):
        self.out_dir, self.show = out_dir, bool(show)
        self.wait_time, self.interval = float(wait_time), max(1, interval)
        self.badcase_thr = badcase_thr
        self._dir = None
        self._index = 0
        self.badcases = []

    def _folder(self, runner) -> Optional[str]:
        if self.out_dir is None:
            return None
        if self._dir is None:
            self._dir = osp.join(runner.work_dir, runner.timestamp,
                                 self.out_dir)
            os.makedirs(self._dir, exist_ok=True)
        return self._dir

    def _root(self, runner) -> int:
        model = getattr(runner.model, 'module', runner.model)
        return int(getattr(model, 'root_index', 0) or 0)

    def _emit(self, runner, rgb, stem: str) -> None:
        folder = self._folder(runner)
        if folder is not None:
            from poselift_mm.utils.io import atomic_path
            import cv2
            with atomic_path(osp.join(folder, f'{stem}.png')) as tmp:
                cv2.imwrite(str(tmp), rgb[..., ::-1])
        if self.show:
            import cv2
            cv2.imshow('poselift_mm', rgb[..., ::-1])
            cv2.waitKey(max(1, int(self.wait_time * 1000)))

    def after_test_iter(self, runner, batch_idx: int, data_batch=None,
                        outputs=None) -> None:
        root = self._root(runner)
        outputs = outputs or []
        for ds, inputs in zip(outputs,
                              _batch_inputs(data_batch, len(outputs))):
            self._index += 1
            if self.badcase_thr is None and self._index % self.interval:
                continue
            sample = _sample(ds, root, inputs)
            err = sample_mpjpe(sample)
            if self.badcase_thr is not None:
                if not err >= self.badcase_thr:
                    continue
                self.badcases.append(dict(index=self._index,
                                          name=sample['name'],
                                          mpjpe_mm=round(err, 2)))
            stem = f'{self._index:06d}_{sample["name"] or "sample"}'
            self._emit(runner, draw_sample(
                sample, f'{sample["name"]}: MPJPE {err:.0f} mm'), stem)

    def after_test_epoch(self, runner, metrics=None) -> None:
        if self.badcase_thr is None:
            return
        folder = self._folder(runner)
        if folder is not None:
            from poselift_mm.utils.io import atomic_path
            with atomic_path(osp.join(folder, 'results.json')) as tmp:
                with open(tmp, 'w') as f:
                    json.dump(dict(badcase_thr_mm=self.badcase_thr,
                                   samples=self._index,
                                   badcases=self.badcases), f, indent=1)
        runner.logger.info(
            f'badcase: {len(self.badcases)} of {self._index} samples with '
            f'MPJPE >= {self.badcase_thr:g} mm'
            + (f', drawn under {folder}' if folder else ''))

    def after_val_iter(self, runner, batch_idx: int, data_batch=None,
                       outputs=None) -> None:
        if not outputs or batch_idx % self.interval:
            return
        sample = _sample(outputs[0], self._root(runner),
                         _batch_inputs(data_batch, len(outputs))[0])
        err = sample_mpjpe(sample)
        stem = f'val_epoch{runner.epoch}_batch{batch_idx:05d}'
        self._emit(runner, draw_sample(
            sample, f'epoch {runner.epoch}, {sample["name"]}: MPJPE '
            f'{err:.0f} mm'), stem)
