"""Convert an original checkpoint to poselift_mm's mmengine layout.

    python tools/convert_checkpoint.py zedo SRC DST [--use-ema]
    python tools/convert_checkpoint.py diffpose SRC DST \
        [--pose-model mixste_cpn_243f.bin --pose-model-kind mixste]
    python tools/convert_checkpoint.py {gcndiff,gcnpose,mixste} SRC DST \
        [--prefix backbone.]
    # other sizes than the released models' (never inferred from the file):
    python tools/convert_checkpoint.py zedo SRC DST \
        --model-cfg hidden_dim=512 embed_dim=256
    python tools/convert_checkpoint.py diffpose SRC DST --pose-model M.bin \
        --pose-model-kind mixste --pose-model-cfg num_frames=27 embed_dim=64 \
        depth=2 num_heads=4 [--model-cfg hid_dim=96 num_layers=5]

``zedo``: ZeDO-Release ``checkpoint_<epoch>.pth`` -> ``ZeDOScoreMLP``
(inside a ``ZeDOLifter`` use ``--prefix head.denoiser.``). ``diffpose``:
``diffpose_*uvxyz_*.pth`` (+ the pose model) -> one ``DiffPoseLifter``
checkpoint. Files are read weights-only; one that pickles other objects
is refused naming them, and loads with ``--trust-checkpoint`` (only for
files you trust: unpickling can run code). Bad paths (a missing,
unreadable or corrupt source, a destination that is a directory, in a
missing folder, or the source itself): ``error: ...`` and exit code 2.
"""
import argparse
import sys

from mmengine.config import DictAction

from poselift_mm.apis.convert_checkpoint import check_conversion_paths
from poselift_mm.apis.convert_original import KINDS, convert_original
from poselift_mm.utils.launch import run_tool


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
    p.add_argument('--model-cfg', nargs='+', action=DictAction, default={},
                   metavar='KEY=VALUE',
                   help='sizes of the converted module (zedo: ZeDOScoreMLP, '
                   'e.g. hidden_dim=1024 embed_dim=512; diffpose: its '
                   'GCNdiff denoiser; gcndiff/gcnpose/mixste: that module)')
    p.add_argument('--pose-model-cfg', nargs='+', action=DictAction,
                   default={}, metavar='KEY=VALUE',
                   help='diffpose: sizes of the pose model, e.g. MixSTE '
                   'num_frames=243 embed_dim=512 depth=8 num_heads=8')
    p.add_argument('--trust-checkpoint', action='store_true',
                   help='allow loading the foreign pickle '
                   '(torch.load weights_only=False)')
    return p.parse_args(argv)


def convert(argv=None) -> int:
    args = parse_args(argv)
    check_conversion_paths([args.src, args.pose_model], args.dst)
    out = convert_original(
        args.kind, args.src, args.dst, use_ema=args.use_ema,
        prefix=args.prefix, pose_model=args.pose_model,
        pose_model_kind=args.pose_model_kind,
        trust_checkpoint=args.trust_checkpoint,
        model_cfg=dict(args.model_cfg) or None,
        pose_model_cfg=dict(args.pose_model_cfg) or None)
    print(f"wrote {args.dst}: {len(out['state_dict'])} tensors")
    return 0


def main(argv=None) -> int:
    """Exit status: 0, or 2 after ``error: ...`` (converter errors are
    ValueErrors naming the file)."""
    return run_tool(convert, argv, errors=(ValueError, ))


if __name__ == '__main__':
    sys.exit(main())
