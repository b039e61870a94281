"""Convert an original checkpoint to poselift_mm's mmengine layout.

    python tools/convert_checkpoint.py zedo SRC DST --trust-checkpoint \
        [--use-ema]
"""
import argparse
import sys

from poselift_mm.apis.convert_checkpoint import convert_zedo_checkpoint


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('kind', choices=['zedo'], help='original code base')
    p.add_argument('src', help='original checkpoint, e.g. checkpoint_1500.pth')
    p.add_argument('dst', help='output .pth ({state_dict, meta})')
    p.add_argument('--use-ema', action='store_true',
                   help='take the EMA weights (default: raw weights, as the '
                   'original inference does)')
    p.add_argument('--trust-checkpoint', action='store_true',
                   help='allow loading the foreign pickle '
                   '(torch.load weights_only=False)')
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        out = convert_zedo_checkpoint(args.src, args.dst,
                                      use_ema=args.use_ema,
                                      trust_checkpoint=args.trust_checkpoint)
    except ValueError as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    print(f"wrote {args.dst}: {len(out['state_dict'])} tensors, "
          f"{out['meta']['weights']} weights")
    return 0


if __name__ == '__main__':
    sys.exit(main())
