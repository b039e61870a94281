"""Speed, memory and accuracy of a config's test run, over a sweep of
config values; or (``--suite``) the whole benchmark of docs/benchmarks.md.
Each setting runs in its own process, so its peak memory (max RSS) is its
own.

    python tools/benchmark.py --suite [--quick] [--force] [--only ID ...]
        [--results-dir work_dirs/benchmark] [--docs docs/benchmarks.md]

``--suite`` runs every accuracy, speed and training job of
``tools/benchmark_suite.py`` (progress bar; resumable: finished jobs are
kept in RESULTS_DIR/results.jsonl, or quick.jsonl, and skipped on the next
run) and rewrites the generated part of ``--docs`` with its tables and
PNG plots (docs/images/). ``--quick``: 10x sparser test sets and the
smallest sweeps, no training; a few minutes.

    python tools/benchmark.py CONFIG CHECKPOINT \
        [--sweep model.test_cfg.oil.iters=1000,100] \
        [--sweep model.test_cfg.oil.mode=original,scaled] \
        [--cfg-options ...] [--metrics h36m/MPJPE h36m/P-MPJPE] \
        [--markdown table.md]

Prints one line per setting (JSON) and a Markdown table: setting, test
samples, seconds, samples/s, peak RSS (MiB), and the chosen metrics. The
machine (CPU model, cores, torch threads) is printed first. Results are
measurements of this run: copy them to docs/benchmarks.md with the command.
"""
import argparse
import itertools
import json
import os
import os.path as osp
import platform
import resource
import subprocess
import sys
import tempfile
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)


def parse_args(argv=None):
    from mmengine.config import DictAction
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('config', nargs='?')
    p.add_argument('checkpoint', nargs='?')
    p.add_argument('--suite', action='store_true',
                   help='run the benchmark suite (no config/checkpoint)')
    p.add_argument('--quick', action='store_true')
    p.add_argument('--force', action='store_true',
                   help='--suite: rerun finished jobs')
    p.add_argument('--only', nargs='+', default=None, metavar='ID',
                   help='--suite: only jobs whose id contains one of these')
    p.add_argument('--results-dir', default=osp.join(ROOT, 'work_dirs',
                                                     'benchmark'))
    p.add_argument('--docs', default=osp.join(ROOT, 'docs',
                                              'benchmarks.md'),
                   help="--suite: the Markdown file to update ('' = none)")
    p.add_argument('--sweep', action='append', default=[],
                   metavar='KEY=V1,V2',
                   help='config key and comma-separated values (repeatable: '
                   'the product of all sweeps is run)')
    p.add_argument('--cfg-options', nargs='+', action=DictAction,
                   help='fixed overrides for every setting')
    p.add_argument('--metrics', nargs='*', default=None,
                   help='metric keys for the table (default: all)')
    p.add_argument('--markdown', help='also write the table to this file')
    p.add_argument('--trust-checkpoint', action='store_true')
    p.add_argument('--single', help=argparse.SUPPRESS)  # internal
    return p.parse_args(argv)


def machine() -> str:
    import torch
    cpu = platform.processor() or platform.machine()
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    cpu = line.split(':', 1)[1].strip()
                    break
    except OSError:
        pass
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else \
        'no GPU'
    return (f'{cpu}, {os.cpu_count()} cores, torch {torch.__version__} '
            f'({torch.get_num_threads()} threads), {gpu}')


def _value(text):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def parse_sweeps(sweeps):
    keys, values = [], []
    for s in sweeps:
        if '=' not in s:
            raise SystemExit(f'error: --sweep {s!r} is not KEY=V1,V2')
        key, vals = s.split('=', 1)
        keys.append(key)
        values.append([_value(v) for v in vals.split(',')])
    return [dict(zip(keys, combo)) for combo in itertools.product(*values)]


def timed_test_run(config: str, checkpoint: str, options: dict) -> dict:
    """``tools/test.py``'s runner on ``config`` + ``options`` with
    ``checkpoint``, in this process: test samples, frames (samples x
    ``multiple_target``), seconds of the test loop, peak RSS, metrics."""
    from mmengine.runner import Runner

    import poselift_mm  # noqa: F401
    from poselift_mm.utils.launch import load_config
    ns = argparse.Namespace(config=config, cfg_options=None,
                            work_dir=tempfile.mkdtemp(prefix='bench_'),
                            local_rank=0)
    cfg = load_config(ns)
    cfg.merge_from_dict(options)
    cfg.load_from = checkpoint
    cfg.log_level = 'WARNING'
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=10**9)
    runner = Runner.from_cfg(cfg)
    ds = runner.test_dataloader.dataset
    n = len(ds)
    frames = n * max(1, int(getattr(ds, 'multiple_target', 0) or 1))
    t0 = time.perf_counter()
    metrics = runner.test()
    sec = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.
    return dict(samples=n, frames=frames, seconds=sec, peak_rss_mib=rss,
                metrics={k: float(v) for k, v in metrics.items()})


def run_single(args):
    """One setting in this process: JSON line with time, memory, metrics."""
    from poselift_mm.utils import trust_checkpoints
    if args.trust_checkpoint:
        trust_checkpoints()
    setting = json.loads(args.single)
    res = timed_test_run(args.config, args.checkpoint,
                         {**(args.cfg_options or {}), **setting})
    n, sec = res['samples'], res['seconds']
    print('BENCH ' + json.dumps(dict(
        setting=setting, samples=n, seconds=round(sec, 2),
        samples_per_s=round(n / sec, 2),
        peak_rss_mib=round(res['peak_rss_mib']),
        metrics=res['metrics'])), flush=True)


def main(argv=None):
    args = parse_args(argv)
    if args.single:
        return run_single(args)
    if args.suite:
        if args.config or args.sweep:
            raise SystemExit('error: --suite takes no config, checkpoint '
                             'or --sweep')
        sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
        from benchmark_suite import run_suite
        print(f'# machine: {machine()}', flush=True)
        run_suite(args.results_dir, quick=args.quick, force=args.force,
                  only=args.only, docs=args.docs or None)
        return 0
    if not args.config or not args.checkpoint:
        raise SystemExit('error: give CONFIG CHECKPOINT, or --suite')
    for path in (args.config, args.checkpoint):
        if not osp.isfile(path):
            raise SystemExit(f'error: {path!r} does not exist')
    print(f'# machine: {machine()}', flush=True)
    rows = []
    for setting in parse_sweeps(args.sweep) or [{}]:
        cmd = [sys.executable, osp.abspath(__file__), args.config,
               args.checkpoint, '--single', json.dumps(setting)]
        if args.cfg_options:
            cmd += ['--cfg-options'] + [
                f'{k}={json.dumps(v) if not isinstance(v, str) else v}'
                for k, v in args.cfg_options.items()]
        if args.trust_checkpoint:
            cmd.append('--trust-checkpoint')
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
        line = [ln for ln in proc.stdout.splitlines()
                if ln.startswith('BENCH ')]
        if proc.returncode or not line:
            sys.stderr.write(proc.stderr[-3000:])
            raise SystemExit(f'error: setting {setting} failed '
                             f'(exit {proc.returncode})')
        row = json.loads(line[-1][6:])
        print(json.dumps(row), flush=True)
        rows.append(row)
    keys = args.metrics if args.metrics is not None else sorted(
        rows[0]['metrics'])
    head = ['setting', 'samples', 's', 'samples/s', 'peak RSS MiB'] + keys
    lines = ['| ' + ' | '.join(head) + ' |',
             '|' + '---|' * len(head)]
    for r in rows:
        s = ', '.join(f'{".".join(k.split(".")[-2:])}={v}'
                      for k, v in r['setting'].items()) or 'config'
        cells = [s, r['samples'], r['seconds'], r['samples_per_s'],
                 r['peak_rss_mib']] + [
                     f"{r['metrics'][k]:.2f}" if k in r['metrics'] else '-'
                     for k in keys]
        lines.append('| ' + ' | '.join(str(c) for c in cells) + ' |')
    table = '\n'.join(lines)
    print(table)
    if args.markdown:
        from poselift_mm.utils.io import atomic_path
        with atomic_path(args.markdown) as tmp:
            with open(tmp, 'w') as f:
                f.write(f'machine: {machine()}\n\n{table}\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
