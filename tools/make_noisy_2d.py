"""Write a detector-like noisy 2D file for a Human3.6M-format annotation
(``poselift_mm.datasets.noisy_files.write_noisy_detections``; the noise
model and its presets: ``poselift_mm.datasets.noise2d``).

    python tools/make_noisy_2d.py ANNOTATION.npz OUT.npy --preset strong \
        --seed 0 --cameras annotation_body3d/cameras.pkl
"""
import argparse
import sys


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('annotation', help='Human3.6M-format annotation .npz')
    p.add_argument('out', help='output .npy (N, K, 3): x, y px and score')
    p.add_argument('--preset', default='strong', choices=('mild', 'strong'))
    p.add_argument('--strength', type=float, default=1.0)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--cameras', default=None,
                   help="MMPose cameras.pkl (clips to each camera's image)")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    from poselift_mm.datasets.noisy_files import write_noisy_detections
    from poselift_mm.utils.datafile import DataFileError
    try:
        info = write_noisy_detections(args.annotation, args.out, args.preset,
                                      args.seed, args.cameras,
                                      strength=args.strength)
    except (DataFileError, ValueError, OSError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    print(f"{info['path']}: {info['rows']} rows, {info['videos']} videos, "
          f"2D error mean {info['mean_px']:.2f} px, median "
          f"{info['median_px']:.2f}, p95 {info['p95_px']:.2f}, "
          f"{100 * info['score0_frac']:.2f} % joints dropped")
    return 0


if __name__ == '__main__':
    sys.exit(main())
