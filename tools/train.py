"""Train a model from a config, the MMPose way.

    python tools/train.py CONFIG [--work-dir W] [--resume [CKPT]]
        [--cfg-options k=v ...] [--launcher none|pytorch] [--amp]

``--resume`` alone continues from the newest checkpoint in the work dir.
"""
import argparse

from poselift_mm.apis.train_test import train
from poselift_mm.utils.launch import add_common_args


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


def main(argv=None):
    return train(parse_args(argv))


if __name__ == '__main__':
    main()
