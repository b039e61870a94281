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
import os.path as osp

from poselift_mm.apis.publish import publish_checkpoint


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('src')
    p.add_argument('dst', help='output path; the hash is added before .pth')
    p.add_argument('--fp16', action='store_true',
                   help='store floating-point weights as float16')
    p.add_argument('--no-hash', action='store_true')
    args = p.parse_args(argv)
    dst, n = publish_checkpoint(args.src, args.dst, fp16=args.fp16,
                                add_hash=not args.no_hash)
    print(f'{dst}: {n:,} values, {osp.getsize(dst) / 2**20:.2f} MiB')
    return dst


if __name__ == '__main__':
    main()
