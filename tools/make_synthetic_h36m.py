"""Write the procedural Human3.6M-format set (no download, no licensed data).

    python tools/make_synthetic_h36m.py data/synthetic_h36m [--frames 150]
"""
import argparse

from poselift_mm.datasets.synthetic import ACTIONS, synthesize_h36m


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('out_dir')
    parser.add_argument('--frames', type=int, default=150,
                        help='frames per sequence (50 fps)')
    parser.add_argument('--train-subjects', nargs='+', default=['S1', 'S5'])
    parser.add_argument('--test-subjects', nargs='+', default=['S8'])
    parser.add_argument('--actions', nargs='+', default=list(ACTIONS),
                        choices=ACTIONS)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args(argv)
    if args.frames < 1:
        parser.error('--frames must be at least 1')
    paths = synthesize_h36m(
        args.out_dir,
        splits=dict(train=args.train_subjects, test=args.test_subjects),
        actions=args.actions, num_frames=args.frames, seed=args.seed)
    for name, path in paths.items():
        print(f'{name}: {path}')


if __name__ == '__main__':
    main()
