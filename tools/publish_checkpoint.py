"""Make a release checkpoint: weights only (optionally fp16), the hash in
the file name as OpenMMLab does (``<name>-<sha256[:8]>.pth``).

    python tools/publish_checkpoint.py work_dirs/X/best.pth \
        checkpoints/zedo/zedo_prior-mlp512_h36m-mocap_cpu.pth --fp16

Loading an fp16 file into the fp32 model casts the weights back (mmengine's
``load_checkpoint`` / ``tools/test.py`` need nothing else). Keeps ``meta``'s
``epoch``, ``iter``, ``cfg`` name and ``dataset_meta``; drops the optimizer
and the message hub.
"""
import argparse
import hashlib
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import torch  # noqa: E402

from poselift_mm.utils.io import atomic_path  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('src')
    p.add_argument('dst', help='output path; the hash is added before .pth')
    p.add_argument('--fp16', action='store_true',
                   help='store floating-point weights as float16')
    p.add_argument('--no-hash', action='store_true')
    args = p.parse_args(argv)
    import poselift_mm  # noqa: F401  (safe unpickling of our checkpoints)
    ckpt = torch.load(args.src, map_location='cpu', weights_only=True)
    state = ckpt.get('state_dict', ckpt)
    out_state = {
        k: (v.half() if args.fp16 and v.is_floating_point()
            and v.dtype == torch.float32 else v).clone()
        for k, v in state.items()
    }
    meta = ckpt.get('meta', {}) or {}
    keep = {k: meta[k] for k in ('epoch', 'iter', 'dataset_meta',
                                 'experiment_name') if k in meta}
    keep['source'] = osp.basename(args.src)
    keep['fp16'] = bool(args.fp16)
    out = dict(state_dict=out_state, meta=keep)
    dst = args.dst
    with atomic_path(dst) as tmp:
        torch.save(out, tmp)
    if not args.no_hash:
        with open(dst, 'rb') as f:
            sha = hashlib.sha256(f.read()).hexdigest()[:8]
        final = dst[:-4] + f'-{sha}.pth' if dst.endswith('.pth') else \
            f'{dst}-{sha}'
        os.replace(dst, final)
        dst = final
    n = sum(v.numel() for v in out_state.values())
    print(f'{dst}: {n:,} values, {osp.getsize(dst) / 2**20:.2f} MiB')
    return dst


if __name__ == '__main__':
    main()
