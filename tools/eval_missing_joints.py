#!/usr/bin/env python
"""Missing joints measured (issue 14): a lifter on a test set with the full
2D and with 1 / 3 joints per frame dropped at random; prints and writes
JSON (:mod:`poselift_mm.benchmark.missing_joints`).

    python tools/eval_missing_joints.py diffpose --set s8 --out r.json
"""
import argparse
import json

from poselift_mm.utils.launch import quiet_warnings, run_tool

SETS = dict(s8=('data/h36m_mocap', 'annotation_body3d/fps50/h36m_val.npz'),
            train=('data/h36m_mocap',
                   'annotation_body3d/fps50/h36m_train.npz'),
            cmu=('data/cmu_h36m', 'annotation_body3d/fps50/h36m_test.npz'))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('model', help='model alias / metafile name, or a config')
    p.add_argument('checkpoint', nargs='?')
    p.add_argument('--set', choices=sorted(SETS), default='s8')
    p.add_argument('--frames', type=int, default=None,
                   help='first frames of each sequence (default: all)')
    p.add_argument('--every', type=int, default=1)
    p.add_argument('--max-sequences', type=int, default=None)
    p.add_argument('--sequence-step', type=int, default=1,
                   help='every n-th sequence')
    p.add_argument('--drops', type=int, nargs='*', default=[1, 3],
                   help='joints dropped per frame (none: full 2D only)')
    p.add_argument('--max-gap', type=int, default=25,
                   help='gaps filled over time (0: the lifter alone)')
    p.add_argument('--det-file', help='detected 2D (N, 17, 3) under the '
                   "set's data root, e.g. joint_2d_det_files/fps50/"
                   'h36m_val_det_strong.npy (default: the exact 2D)')
    p.add_argument('--tolerances', type=float, nargs='*', default=[0.],
                   help="temporal consistency's bone-length tolerances "
                   'to measure')
    p.add_argument('--out', help='JSON file for the figures')
    args = p.parse_args(argv)
    from poselift_mm.apis.keypoint_files import resolve_model_args
    from poselift_mm.apis.lift import init_lifter
    from poselift_mm.benchmark.missing_joints import (load_sequences,
                                                      missing_joint_errors)
    from poselift_mm.utils.io import atomic_path
    config, ckpt = resolve_model_args(args.model, args.checkpoint)
    model = init_lifter(config, ckpt, device='cpu')
    from poselift_mm.apis.model_zoo import repo_path
    root, ann = SETS[args.set]
    seqs = load_sequences(repo_path(root), ann, frames=args.frames,
                          every=args.every, max_sequences=args.max_sequences,
                          sequence_step=args.sequence_step,
                          det_file=args.det_file)
    res = missing_joint_errors(model, seqs, tuple(args.drops),
                               max_gap=args.max_gap,
                               tolerances=tuple(args.tolerances))
    res.update(model=args.model, checkpoint=ckpt, set=args.set,
               det_file=args.det_file,
               frames=args.frames, every=args.every, max_gap=args.max_gap)
    if args.out:
        with atomic_path(args.out) as tmp:
            with open(tmp, 'w') as f:
                json.dump(res, f, indent=1)
    return 0


if __name__ == '__main__':
    quiet_warnings()
    raise SystemExit(run_tool(main, errors=(ValueError, OSError)))
