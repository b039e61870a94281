"""Evaluate a checkpoint on a config's test set, the MMPose way (MMPose
1.3.2's ``tools/test.py`` arguments, with MMPose's meaning).

    python tools/test.py CONFIG CHECKPOINT [--work-dir W]
        [--out metrics.json] [--dump predictions.pkl]
        [--show-dir DIR] [--show] [--interval N] [--wait-time S]
        [--badcase [--badcase-thr MM]] [--cfg-options k=v ...]
        [--launcher none|pytorch] [--trust-checkpoint]

``--out`` writes the metrics (.json / .yaml), ``--dump`` the predictions
(a pickle of MMPose's ``DumpResults``), both atomically. ``--out x.pkl``
(this tool's former meaning) is refused with a pointer to ``--dump``.
Lifters are drawn (``--show-dir``, ``--badcase``) as their 2D input beside
the 3D prediction and ground truth; ``--badcase`` keeps the samples whose
MPJPE reaches ``--badcase-thr`` mm, under WORK_DIR/TIMESTAMP/badcase/ with
a results.json. Mistakes (missing or corrupt checkpoint, a config value of
the wrong type): ``error: ...`` on stderr and exit code 2.
"""
import argparse
import sys

from poselift_mm.apis.train_test import test
from poselift_mm.utils.launch import (add_common_args, add_show_args,
                                      quiet_warnings, run_tool)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Test a pose lifter')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out', help='write the metrics to this .json or '
                        '.yaml file')
    parser.add_argument('--dump', help='dump the predictions to this .pkl '
                        'file (for offline evaluation)')
    add_show_args(parser)
    parser.add_argument('--badcase', action='store_true',
                        help='draw (and list) the samples whose error '
                        'reaches --badcase-thr')
    parser.add_argument('--badcase-thr', type=float, default=100.,
                        help='lifters: MPJPE in mm from which a sample is a '
                        'bad case (default 100)')
    add_common_args(parser)
    return parser.parse_args(argv)


def main(argv=None):
    quiet_warnings()
    return test(parse_args(argv))


if __name__ == '__main__':
    sys.exit(run_tool(main))
