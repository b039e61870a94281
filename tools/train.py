"""Train a model from a config, the MMPose way (MMPose 1.3.2's
``tools/train.py`` arguments, with MMPose's meaning).

    python tools/train.py CONFIG [--work-dir W] [--resume [CKPT]]
        [--amp] [--no-validate] [--auto-scale-lr]
        [--show-dir DIR] [--show] [--interval N] [--wait-time S]
        [--cfg-options k=v ...] [--launcher none|pytorch]
        [--trust-checkpoint]

``--resume`` alone continues from the newest checkpoint in the work dir
(an empty or stale ``last_checkpoint`` is warned about and the newest
intact checkpoint taken); a run resumed from a checkpoint saved inside an
epoch continues exactly as the uninterrupted run would. A second training
in a work dir another one holds is refused. Mistakes (missing files, a
config value of the wrong type, a corrupt checkpoint): ``error: ...`` on
stderr and exit code 2.
``--show-dir`` draws validation samples (lifters: the 2D input beside the
3D prediction and ground truth) under WORK_DIR/TIMESTAMP/DIR.
"""
import argparse
import sys

from poselift_mm.apis.train_test import train
from poselift_mm.utils.launch import (add_common_args, add_show_args,
                                      quiet_warnings, run_tool)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train a pose lifter')
    parser.add_argument('config', help='config file')
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
    add_show_args(parser)
    add_common_args(parser)
    return parser.parse_args(argv)


def main(argv=None):
    quiet_warnings()
    return train(parse_args(argv))


if __name__ == '__main__':
    sys.exit(run_tool(main))
