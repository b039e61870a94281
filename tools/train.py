"""Train a model from a config, the MMPose way.

    python tools/train.py CONFIG [--work-dir W] [--resume [CKPT]]
        [--cfg-options k=v ...] [--launcher none|pytorch] [--amp]

``--resume`` alone continues from the newest checkpoint in the work dir.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmengine.runner import Runner  # noqa: E402

import poselift_mm  # noqa: E402,F401  (registers modules, applies fixes)
from poselift_mm.utils import trust_checkpoints  # noqa: E402
from poselift_mm.utils.launch import (add_common_args, check_amp,  # noqa
                                      load_config, setup_launcher)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train a pose lifter')
    parser.add_argument('config', help='config file')
    add_common_args(parser)
    parser.add_argument(
        '--resume', nargs='?', const='auto',
        help='resume from CKPT, or (no value) from the newest checkpoint in '
        'the work dir')
    parser.add_argument('--amp', action='store_true',
                        help='automatic mixed precision (CUDA only)')
    parser.add_argument('--no-validate', action='store_true',
                        help='skip validation during training')
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help='scale the lr by the actual batch size')
    return parser.parse_args(argv)


def build_cfg(args):
    cfg = load_config(args)
    if args.no_validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    if args.amp:
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif args.resume:
        if not osp.isfile(args.resume):
            sys.exit(f'error: checkpoint {args.resume!r} does not exist')
        cfg.resume, cfg.load_from = True, args.resume
    if args.auto_scale_lr:
        cfg.auto_scale_lr.enable = True
    setup_launcher(cfg, args.launcher)
    return cfg


def main(argv=None):
    args = parse_args(argv)
    check_amp(args.amp)
    if args.trust_checkpoint:
        trust_checkpoints()
    runner = Runner.from_cfg(build_cfg(args))
    runner.train()


if __name__ == '__main__':
    main()
