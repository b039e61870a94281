"""Evaluate a checkpoint on a config's test set, the MMPose way.

    python tools/test.py CONFIG CHECKPOINT [--work-dir W] [--out results.pkl]
        [--cfg-options test_dataloader.dataset.ann_file=...]
"""
import argparse

from poselift_mm.apis.train_test import test
from poselift_mm.utils.launch import add_common_args


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Test a pose lifter')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out', help='dump predictions to a pickle file')
    add_common_args(parser)
    return parser.parse_args(argv)


def main(argv=None):
    return test(parse_args(argv))


if __name__ == '__main__':
    main()
