"""Speed jobs of the suite: poses/s, latency and FLOPs of a model's lifting
step on synthetic input, over one swept variable (batch, sampling steps,
OIL iterations, hypotheses, window length), and the machine's matmul
rate. How a model is called and swept follows its table fields
(:class:`~poselift_mm.benchmark.table.BenchModel` ``family``, ``video``,
``tcn_window``)."""
import math
from typing import Optional

import numpy as np

from poselift_mm.apis.model_zoo import load_config, repo_root
from .machine import count_flops, matmul_rate, peak_rss_mib, timed
from .table import BenchModel, checkpoint_of, model_named

__all__ = ['speed_options', 'build_speed_model', 'speed_call', 'run_speed']

# variables whose every value needs the model built again
REBUILD = ('steps', 'hypotheses', 'window', 'iterations')


def _diffpose_options(variable: str, value):
    if variable == 'steps':
        ts = np.unique(np.linspace(0, 50, int(value)).round()).astype(int)
        return {'model.test_cfg.timesteps': tuple(ts.tolist())}, True
    if variable == 'hypotheses':
        return {'model.test_cfg.num_hypotheses': int(value),
                'model.test_cfg.start_noise': int(value) > 1}, True
    if variable == 'window':
        # other window length: random weights (timing only)
        return {'model.backbone.num_frames': int(value)}, False
    return {}, True


def _zedo_options(variable: str, value):
    if variable == 'iterations':
        return {'model.test_cfg.oil.iters': int(value)}, True
    if variable == 'hypotheses':
        return {'model.init_poses.num': int(value)}, True
    return {}, True


def _tcn_window_options(value):
    # receptive field 3^(blocks+1): 27 = 2 blocks, 81 = 3, 243 = 4
    blocks = int(round(math.log(int(value), 3))) - 1
    return {'model.backbone.num_blocks': blocks,
            'model.backbone.kernel_sizes': (3, ) * (blocks + 1)}, False


def speed_options(model: BenchModel, variable: str, value):
    """(config options, keep the trained weights?) for one swept value."""
    if model.family == 'diffpose':
        return _diffpose_options(variable, value)
    if model.family == 'zedo':
        return _zedo_options(variable, value)
    if model.tcn_window and variable == 'window':
        return _tcn_window_options(value)
    return {}, True


def build_speed_model(model: BenchModel, variable: str, value,
                      root: Optional[str] = None):
    """The lifter of ``model`` for one swept value, on the CPU."""
    from poselift_mm.apis import init_lifter
    root = root or repo_root()
    opts, keep_weights = speed_options(model, variable, value)
    config = model.config_rel(root)
    ckpt = checkpoint_of(config, model.checkpoint_rel(root), root) \
        if keep_weights else None
    cfg = load_config(config, {**model.options, **opts}, root)
    return init_lifter(cfg, ckpt, device='cpu')


def speed_call(lifter, model: BenchModel, batch: int):
    """(fn, poses): one lifting call on random input of ``batch`` samples
    (windows for video models) and the poses it lifts."""
    import torch
    k = 17
    if model.family == 'zedo':
        uv = torch.rand(batch, k, 2) * 300 + 350
        conf = torch.ones(batch, k)
        f = torch.full((batch, 2), 1145.)
        c = torch.full((batch, 2), 500.)
        return (lambda: lifter.head.lift(uv, conf, f, c,
                                         test_cfg=lifter.test_cfg)), batch
    if model.family == 'diffpose':
        t = lifter.num_frames or 1
        uv = torch.rand(batch, t, k, 2) * 0.6 - 0.3
        scores = torch.ones(batch, t, k)
        return (lambda: lifter.lift(uv, scores)), batch * t
    # MMPose PoseLifter: backbone + head on (B, 2K, T)
    t = 3 ** len(lifter.cfg.model.backbone.kernel_sizes) \
        if model.tcn_window else 1
    x = torch.rand(batch, 2 * k, t)
    return (lambda: lifter.head(lifter.backbone(x))), batch


def _point(fn, value, batch: int, poses: int, repeats: int) -> dict:
    sec, med = timed(fn, repeats)
    flops = count_flops(fn)
    return dict(value=value, batch=batch, poses=poses, seconds=round(sec, 5),
                seconds_median=round(med, 5),
                poses_per_s=round(poses / sec, 1),
                latency_ms=round(sec * 1000., 2), flops=flops,
                gflops_per_s=round(flops / sec / 1e9, 2))


def run_speed(job: dict) -> dict:
    """A speed job: the matmul rate (``what='matmul'``), or one sweep
    (model, variable, values, repeats) in this process: its points and
    the sweep's peak RSS."""
    import torch
    with torch.no_grad():  # not set_grad_enabled: callers keep their mode
        return _run_speed(job)


def _run_speed(job: dict) -> dict:
    import torch
    if job.get('what') == 'matmul':
        return matmul_rate()
    model = model_named(job['model'])
    var = job['variable']
    points, lifter = [], None
    for value in job['values']:
        if lifter is None or var in REBUILD:
            lifter = build_speed_model(model, var, value)
            torch.manual_seed(0)
        batch = int(value) if var == 'batch' else (4 if model.video else 64)
        fn, poses = speed_call(lifter, model, batch)
        points.append(_point(fn, value, batch, poses,
                             int(job.get('repeats', 3))))
    return dict(points=points, peak_rss_mib=round(peak_rss_mib()))
