"""README main job: lift the bundled CMU clip with both released lifters.

    python tools/demo_clip.py [--clip demo/cmu_01_01_clip.npz]
        [--out-dir work_dirs/quickstart] [--show noisy|clean] [--no-render]

The clip (``tools/make_demo_clip.py``: CMU motion capture through the
project's converter and a pinhole camera) holds exact 2D projections, a
detector-like noisy copy with confidences, the 3D ground truth and the
intrinsics. Both 2D inputs are lifted by the committed checkpoints of ZeDO
(zero-shot optimisation; given the clip's f and c), frame DiffPose
(GCNPose + GCNdiff) and video DiffPose (MixSTE-27 + GCNdiff, offline
windows that see the true past and future). Runs offline on the CPU; needs
nothing outside the repository. Writes under ``--out-dir`` (atomically):

  results.json    per model and input: MPJPE / P-MPJPE (mm, root-aligned,
                  over all frames); per frame the 3D of every model and
                  the ground truth (root-relative camera-frame metres)
  comparison.png  3 frames x (2D input, each lifter against the ground
                  truth) and the per-frame MPJPE of every lifter
  demo.mp4        (demo.gif without an mp4 writer) the 2D input beside all
                  lifters and the ground truth in 3D, every 2nd frame
"""
import argparse
import os.path as osp
import sys
import time

from poselift_mm.apis.demo_clip import ClipError, run_clip_demo
from poselift_mm.apis.model_zoo import repo_root
from poselift_mm.utils.launch import quiet_warnings


def parse_args(argv=None):
    root = repo_root()
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--clip', default=osp.join(root, 'demo',
                                              'cmu_01_01_clip.npz'))
    p.add_argument('--out-dir', default=osp.join(root, 'work_dirs',
                                                 'quickstart'))
    p.add_argument('--show', choices=('noisy', 'clean'), default='noisy',
                   help='which 2D input the figure and animation show')
    p.add_argument('--no-render', action='store_true',
                   help='results.json only')
    p.add_argument('--device', default=None)
    p.add_argument('--threads', type=int, default=None)
    return p.parse_args(argv)


def main(argv=None) -> int:
    quiet_warnings()  # known third-party warnings (utils.launch)
    args = parse_args(argv)
    t0 = time.perf_counter()
    if args.threads:
        import torch
        torch.set_num_threads(args.threads)
    try:
        written = run_clip_demo(args.clip, args.out_dir, show=args.show,
                                no_render=args.no_render, device=args.device)
    except ClipError as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    print(f'[clip] done in {time.perf_counter() - t0:.0f} s; wrote')
    for w in written:
        print(f'    {w}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
