"""Evaluate a checkpoint on a config's test set, the MMPose way.

    python tools/test.py CONFIG CHECKPOINT [--work-dir W] [--out results.pkl]
        [--cfg-options test_dataloader.dataset.ann_file=...]
"""
import argparse
import os
import pickle
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmengine.config import Config, DictAction  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

import poselift_mm  # noqa: E402,F401  (registers modules, applies fixes)
from poselift_mm.utils import trust_checkpoints  # noqa: E402
from poselift_mm.utils.checkpoint import check_checkpoint_fits  # noqa: E402
from poselift_mm.utils.launch import setup_launcher  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Test a pose lifter')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='where logs and metrics go')
    parser.add_argument('--out', help='dump predictions to a pickle file')
    parser.add_argument(
        '--trust-checkpoint', action='store_true',
        help='allow full unpickling of the checkpoint (only trusted files)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries, key=value')
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch', 'slurm', 'mpi'])
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def build_cfg(args):
    for what, path in (('config', args.config),
                       ('checkpoint', args.checkpoint)):
        if not osp.isfile(path):
            sys.exit(f'error: {what} file {path!r} does not exist')
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    cfg.work_dir = args.work_dir or cfg.get('work_dir') or osp.join(
        'work_dirs', osp.splitext(osp.basename(args.config))[0])
    cfg.load_from = args.checkpoint
    if args.out:
        cfg.test_evaluator = list(cfg.test_evaluator) if isinstance(
            cfg.test_evaluator, (list, tuple)) else [cfg.test_evaluator]
        cfg.test_evaluator.append(dict(type='DumpResults', out_file_path=args.out))
    setup_launcher(cfg, args.launcher)
    return cfg


def main(argv=None):
    args = parse_args(argv)
    if args.trust_checkpoint:
        trust_checkpoints()
    runner = Runner.from_cfg(build_cfg(args))
    model = getattr(runner.model, 'module', runner.model)
    try:
        check_checkpoint_fits(model, args.checkpoint)
    except (ValueError, pickle.UnpicklingError) as err:
        sys.exit(f'error: {err}')
    return runner.test()


if __name__ == '__main__':
    main()
