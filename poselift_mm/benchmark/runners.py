"""Timed test runs: one config setting in this process
(:func:`timed_test_run`), an accuracy or training job of the suite, and
the sweep of ``tools/benchmark.py CONFIG CHECKPOINT --sweep ...`` (each
setting in its own process, so its peak memory is its own)."""
import argparse
import itertools
import json
import os.path as osp
import subprocess
import sys
import tempfile
import time

from poselift_mm.apis.model_zoo import absolute_repo_paths, repo_root
from .machine import machine, peak_rss_mib
from .table import TRAIN, checkpoint_of, training_seconds

__all__ = ['BenchmarkError', 'timed_test_run', 'run_accuracy', 'run_train',
           'run_setting', 'parse_sweeps', 'run_sweeps', 'sweep_table',
           'run_in_subprocess']


class BenchmarkError(ValueError):
    """A bad benchmark request or a failed setting (named in the message)."""


def _print(msg: str) -> None:
    print(msg, flush=True)


def timed_test_run(config: str, checkpoint: str, options: dict) -> dict:
    """``tools/test.py``'s runner on ``config`` + ``options`` with
    ``checkpoint``, in this process (repository paths of the config made
    absolute): test samples, frames (samples x ``multiple_target``),
    seconds of the test loop, peak RSS, metrics. As in ``tools/test.py``,
    a checkpoint that does not fit the model exactly (a pose-model-only
    file under a DiffPose config, whose head would run untrained) is a
    ``ValueError`` naming the keys, not mmengine's logged warning."""
    from mmengine.runner import Runner

    import poselift_mm  # noqa: F401
    from poselift_mm.utils.checkpoint import check_checkpoint_fits
    from poselift_mm.utils.launch import load_config
    ns = argparse.Namespace(config=config, cfg_options=None,
                            work_dir=tempfile.mkdtemp(prefix='bench_'),
                            local_rank=0)
    cfg = load_config(ns)
    cfg.merge_from_dict(options)
    absolute_repo_paths(cfg)
    cfg.load_from = checkpoint
    cfg.log_level = 'WARNING'
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=10**9)
    runner = Runner.from_cfg(cfg)
    check_checkpoint_fits(getattr(runner.model, 'module', runner.model),
                          checkpoint)
    ds = runner.test_dataloader.dataset
    n = len(ds)
    frames = n * max(1, int(getattr(ds, 'multiple_target', 0) or 1))
    t0 = time.perf_counter()
    metrics = runner.test()
    sec = time.perf_counter() - t0
    return dict(samples=n, frames=frames, seconds=sec,
                peak_rss_mib=peak_rss_mib(),
                metrics={k: float(v) for k, v in metrics.items()})


def run_accuracy(job: dict) -> dict:
    """An accuracy job of the suite (its model's test set, stride)."""
    root = repo_root()
    ck = checkpoint_of(job['config'], job['checkpoint'], root)
    if ck is None:
        return dict(skipped=f"no checkpoint for {job['model']} (pattern "
                    f"{job['checkpoint']}; the full suite trains peers)")
    res = timed_test_run(osp.join(root, job['config']), ck, job['options'])
    sec = res['seconds']
    return dict(samples=res['samples'], frames=res['frames'],
                seconds=round(sec, 2),
                frames_per_s=round(res['frames'] / sec, 2),
                checkpoint=osp.relpath(ck, root),
                peak_rss_mib=round(res['peak_rss_mib']),
                metrics=res['metrics'])


def run_train(job: dict) -> dict:
    """Train a peer with ``tools/train.py`` unless it has a checkpoint."""
    root = repo_root()
    if checkpoint_of(job['config'], TRAIN, root):
        return dict(existing=True,
                    seconds=training_seconds(job['config'], root))
    name = osp.splitext(osp.basename(job['config']))[0]
    t0 = time.time()
    proc = subprocess.run(
        [sys.executable, osp.join(root, 'tools/train.py'),
         osp.join(root, job['config']), '--work-dir',
         osp.join(root, 'work_dirs', name)], cwd=root,
        capture_output=True, text=True)
    if proc.returncode:
        raise RuntimeError(f"training {job['config']} failed:\n"
                           f'{proc.stderr[-2000:]}')
    return dict(existing=False, seconds=round(time.time() - t0))


def run_setting(job: dict) -> dict:
    """One sweep setting (job keys config, checkpoint, setting, options,
    trust_checkpoint): time, memory and metrics of its test run."""
    from poselift_mm.utils import checkpoint_trust
    setting = job['setting']
    with checkpoint_trust(bool(job.get('trust_checkpoint')),
                          'tools/benchmark.py'):
        res = timed_test_run(job['config'], job['checkpoint'],
                             {**(job.get('options') or {}), **setting})
    n, sec = res['samples'], res['seconds']
    return dict(setting=setting, samples=n, seconds=round(sec, 2),
                samples_per_s=round(n / sec, 2),
                peak_rss_mib=round(res['peak_rss_mib']),
                metrics=res['metrics'])


def _value(text):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def parse_sweeps(sweeps) -> list:
    """['KEY=V1,V2', ...] -> the product of all values, [{KEY: V}, ...]
    (values read as JSON when they are)."""
    keys, values = [], []
    for s in sweeps:
        if '=' not in s:
            raise BenchmarkError(f'--sweep {s!r} is not KEY=V1,V2')
        key, vals = s.split('=', 1)
        keys.append(key)
        values.append([_value(v) for v in vals.split(',')])
    return [dict(zip(keys, combo)) for combo in itertools.product(*values)]


def run_in_subprocess(job: dict, cwd: str = None):
    """(process, result or None) of ``job`` run by
    ``python -m poselift_mm.benchmark.worker JOB_JSON``."""
    proc = subprocess.run(
        [sys.executable, '-m', 'poselift_mm.benchmark.worker',
         json.dumps(job)], cwd=cwd, capture_output=True, text=True)
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith('JOB ')]
    if proc.returncode or not line:
        return proc, None
    return proc, json.loads(line[-1][4:])


def sweep_table(rows, keys=None) -> str:
    """Markdown table of sweep rows: setting, samples, seconds, samples/s,
    peak RSS and the metrics ``keys`` (default: all of the first row)."""
    keys = sorted(rows[0]['metrics']) if keys is None else keys
    head = ['setting', 'samples', 's', 'samples/s', 'peak RSS MiB'] + keys
    lines = ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
    for r in rows:
        s = ', '.join(f'{".".join(k.split(".")[-2:])}={v}'
                      for k, v in r['setting'].items()) or 'config'
        cells = [s, r['samples'], r['seconds'], r['samples_per_s'],
                 r['peak_rss_mib']] + [
                     f"{r['metrics'][k]:.2f}" if k in r['metrics'] else '-'
                     for k in keys]
        lines.append('| ' + ' | '.join(str(c) for c in cells) + ' |')
    return '\n'.join(lines)


def run_sweeps(config: str, checkpoint: str, sweeps=(), cfg_options=None,
               metrics=None, markdown=None, trust_checkpoint=False,
               log=_print) -> list:
    """Every setting of :func:`parse_sweeps` in its own process: logs the
    machine, one JSON line per setting and the Markdown table (also
    written to ``markdown``); returns the rows."""
    log(f'# machine: {machine()}')
    rows = []
    for setting in parse_sweeps(sweeps) or [{}]:
        job = dict(kind='setting', config=osp.abspath(config),
                   checkpoint=osp.abspath(checkpoint), setting=setting,
                   options=cfg_options or {},
                   trust_checkpoint=trust_checkpoint)
        proc, row = run_in_subprocess(job, cwd=repo_root())
        if row is None:
            sys.stderr.write(proc.stderr[-3000:])
            raise BenchmarkError(f'setting {setting} failed '
                                 f'(exit {proc.returncode})')
        log(json.dumps(row))
        rows.append(row)
    table = sweep_table(rows, metrics)
    log(table)
    if markdown:
        from poselift_mm.utils.io import atomic_path
        with atomic_path(markdown) as tmp:
            with open(tmp, 'w') as f:
                f.write(f'machine: {machine()}\n\n{table}\n')
    return rows
