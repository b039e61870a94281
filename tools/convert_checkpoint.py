"""Convert an original checkpoint to poselift_mm's mmengine layout.

    python tools/convert_checkpoint.py zedo SRC DST [--use-ema]
    python tools/convert_checkpoint.py diffpose SRC DST \
        [--pose-model mixste_cpn_243f.bin --pose-model-kind mixste]
    python tools/convert_checkpoint.py {gcndiff,gcnpose,mixste} SRC DST \
        [--prefix backbone.]

``zedo``: ZeDO-Release ``checkpoint_<epoch>.pth`` -> ``ZeDOScoreMLP``
(inside a ``ZeDOLifter`` use ``--prefix head.denoiser.``). ``diffpose``:
``diffpose_*uvxyz_*.pth`` (+ the pose model) -> one ``DiffPoseLifter``
checkpoint. Original files are full pickles: add ``--trust-checkpoint`` if
you trust them.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from poselift_mm.apis.convert_checkpoint import (  # noqa: E402
    convert_zedo_checkpoint)
from poselift_mm.apis.convert_diffpose import (  # noqa: E402
    convert_diffpose_checkpoint)
from poselift_mm.apis.convert_lifter import (  # noqa: E402
    convert_diffpose_lifter)
from poselift_mm.apis.convert_mixste import (  # noqa: E402
    convert_mixste_checkpoint)

KINDS = ('zedo', 'diffpose', 'gcndiff', 'gcnpose', 'mixste')


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('kind', choices=KINDS, help='original model')
    p.add_argument('src', help='original checkpoint')
    p.add_argument('dst', help='output .pth ({state_dict, meta})')
    p.add_argument('--use-ema', action='store_true',
                   help='take the EMA weights (default: raw weights, as the '
                   'original evaluations do)')
    p.add_argument('--prefix', default='',
                   help='key prefix for single-module kinds')
    p.add_argument('--pose-model', help='diffpose: gcn_xyz_*.pth or '
                   'mixste_cpn_243f.bin')
    p.add_argument('--pose-model-kind', choices=('mixste', 'gcnpose'),
                   default='mixste')
    p.add_argument('--trust-checkpoint', action='store_true',
                   help='allow loading the foreign pickle '
                   '(torch.load weights_only=False)')
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        if args.kind == 'zedo':
            out = convert_zedo_checkpoint(
                args.src, args.dst, use_ema=args.use_ema,
                trust_checkpoint=args.trust_checkpoint)
            if args.prefix:
                import torch
                from poselift_mm.utils.io import atomic_path
                out['state_dict'] = {args.prefix + k: v
                                     for k, v in out['state_dict'].items()}
                with atomic_path(args.dst) as tmp:
                    torch.save(out, tmp)
        elif args.kind == 'diffpose':
            out = convert_diffpose_lifter(
                args.src, args.dst, pose_model_src=args.pose_model,
                pose_model_kind=args.pose_model_kind,
                trust_checkpoint=args.trust_checkpoint, use_ema=args.use_ema)
        elif args.kind == 'mixste':
            out = convert_mixste_checkpoint(
                args.src, args.dst, prefix=args.prefix,
                trust_checkpoint=args.trust_checkpoint)
        else:
            out = convert_diffpose_checkpoint(
                args.src, args.dst, args.kind, prefix=args.prefix,
                trust_checkpoint=args.trust_checkpoint, use_ema=args.use_ema)
    except ValueError as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    print(f"wrote {args.dst}: {len(out['state_dict'])} tensors")
    return 0


if __name__ == '__main__':
    sys.exit(main())
