"""Speed, memory and accuracy of a config's test run, over a sweep of
config values; or (``--suite``) the whole benchmark of docs/benchmarks.md.
Each setting runs in its own process, so its peak memory (max RSS) is its
own.

    python tools/benchmark.py --suite [--quick] [--force] [--only ID ...]
        [--results-dir work_dirs/benchmark] [--docs docs/benchmarks.md]

``--suite`` runs every accuracy, speed and training job of
``poselift_mm.benchmark.suite`` (progress bar; resumable: finished jobs
are kept in RESULTS_DIR/results.jsonl, or quick.jsonl, and skipped on the
next run) and rewrites the generated part of ``--docs`` with its tables
and PNG plots (docs/images/). ``--quick``: 10x sparser test sets and the
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
import json
import os.path as osp
import sys

from mmengine.config import DictAction

from poselift_mm.apis.model_zoo import repo_root
from poselift_mm.benchmark import (BenchmarkError, machine, run_suite,
                                   run_sweeps)
from poselift_mm.benchmark.runners import run_setting


def parse_args(argv=None):
    root = repo_root()
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
    p.add_argument('--results-dir', default=osp.join(root, 'work_dirs',
                                                     'benchmark'))
    p.add_argument('--docs', default=osp.join(root, 'docs',
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


def single(args) -> int:
    """One setting (JSON) in this process: a ``BENCH`` JSON line."""
    row = run_setting(dict(config=args.config, checkpoint=args.checkpoint,
                           setting=json.loads(args.single),
                           options=args.cfg_options,
                           trust_checkpoint=args.trust_checkpoint))
    print('BENCH ' + json.dumps(row), flush=True)
    return 0


def suite(args) -> int:
    if args.config or args.sweep:
        raise SystemExit('error: --suite takes no config, checkpoint '
                         'or --sweep')
    print(f'# machine: {machine()}', flush=True)
    run_suite(args.results_dir, quick=args.quick, force=args.force,
              only=args.only, docs=args.docs or None)
    return 0


def main(argv=None):
    args = parse_args(argv)
    if args.single:
        return single(args)
    if args.suite:
        return suite(args)
    if not args.config or not args.checkpoint:
        raise SystemExit('error: give CONFIG CHECKPOINT, or --suite')
    for path in (args.config, args.checkpoint):
        if not osp.isfile(path):
            raise SystemExit(f'error: {path!r} does not exist')
    try:
        run_sweeps(args.config, args.checkpoint, args.sweep,
                   args.cfg_options, args.metrics, args.markdown,
                   args.trust_checkpoint)
    except BenchmarkError as err:
        raise SystemExit(f'error: {err}') from None
    return 0


if __name__ == '__main__':
    sys.exit(main())
