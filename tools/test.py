"""Evaluate a checkpoint on a config's test set, the MMPose way.

    python tools/test.py CONFIG CHECKPOINT [--work-dir W] [--out results.pkl]
        [--cfg-options test_dataloader.dataset.ann_file=...]
"""
import argparse
import pickle
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmengine.runner import Runner  # noqa: E402

import poselift_mm  # noqa: E402,F401  (registers modules, applies fixes)
from poselift_mm.utils import trust_checkpoints  # noqa: E402
from poselift_mm.utils.checkpoint import check_checkpoint_fits  # noqa: E402
from poselift_mm.utils.launch import (add_common_args, load_config,  # noqa
                                      setup_launcher)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Test a pose lifter')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out', help='dump predictions to a pickle file')
    add_common_args(parser)
    return parser.parse_args(argv)


def build_cfg(args):
    if not osp.isfile(args.checkpoint):
        sys.exit(f'error: checkpoint file {args.checkpoint!r} does not exist')
    cfg = load_config(args)
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
