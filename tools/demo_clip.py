"""README main job: a real video and the bundled CMU clip, lifted by the
three released lifters.

    python tools/demo_clip.py [--video demo/single_person_demo.mp4]
        [--fps N] [--no-video] [--clip demo/cmu_01_01_clip.npz]
        [--out-dir work_dirs/quickstart] [--show noisy|clean] [--no-render]

1. The real video (``poselift_mm.apis.real_video``): BlazePose
   (MediaPipe, offline; ``poselift_mm.apis.blazepose``) finds the person's
   2D in every frame; ZeDO, frame DiffPose and video DiffPose lift it, the
   video DiffPose at its training rate (50 Hz windows; the 12 fps video is
   resampled to it and back, ``--fps`` overrides the video's rate). No
   ground truth. Writes ``OUT/real_video/results.json`` (the detector's 2D
   and every lifter's 3D per frame) and ``OUT/real_video/demo.mp4`` (the
   frame with its 2D beside each lifter's 3D).
2. The accuracy part (``poselift_mm.apis.demo_clip``): the clip
   (``tools/make_demo_clip.py``: CMU motion capture through the project's
   converter and a pinhole camera) holds exact 2D projections, a
   detector-like noisy copy with confidences, the 3D ground truth and the
   intrinsics. Both 2D inputs are lifted by ZeDO (given the clip's f and
   c), frame DiffPose and video DiffPose (windows that see the true past
   and future). Writes under ``OUT`` (atomically):

  results.json    per model and input: MPJPE / P-MPJPE (mm, root-aligned,
                  over all frames); per frame the 3D of every model and
                  the ground truth (root-relative camera-frame metres)
  comparison.png  3 frames x (2D input, each lifter against the ground
                  truth) and the per-frame MPJPE of every lifter
  demo.mp4        (demo.gif without an mp4 writer) the 2D input beside all
                  lifters and the ground truth in 3D, every 2nd frame

Runs offline on the CPU; needs nothing outside the repository. Without
mediapipe (``bash tools/setup_env.sh`` installs it) part 1 is skipped
with a message.
"""
import argparse
import os.path as osp
import sys
import time

from poselift_mm.apis.demo_clip import ClipError, run_clip_demo
from poselift_mm.apis.model_zoo import repo_root
from poselift_mm.apis.real_video import VideoError
from poselift_mm.utils.launch import quiet_warnings


def parse_args(argv=None):
    root = repo_root()
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--video', default=osp.join(root, 'demo',
                                               'single_person_demo.mp4'),
                   help='the real video of part 1')
    p.add_argument('--fps', type=float, default=None,
                   help="the video's frame rate (default: its metadata)")
    p.add_argument('--no-video', action='store_true',
                   help='skip part 1 (the real video)')
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


def run_video(args) -> list:
    """Part 1; [] (with a message) when mediapipe is missing."""
    from poselift_mm.apis.blazepose import BlazePoseUnavailable
    from poselift_mm.apis.real_video import run_video_demo
    try:
        return run_video_demo(args.video, osp.join(args.out_dir,
                                                   'real_video'),
                              fps=args.fps, no_render=args.no_render,
                              device=args.device)
    except BlazePoseUnavailable as err:
        print(f'[video] skipped: {err}', file=sys.stderr)
        return []


def main(argv=None) -> int:
    quiet_warnings()  # known third-party warnings (utils.launch)
    args = parse_args(argv)
    t0 = time.perf_counter()
    if args.threads:
        import torch
        torch.set_num_threads(args.threads)
    if args.fps is not None and not args.fps > 0:
        print(f'error: --fps must be > 0, got {args.fps}', file=sys.stderr)
        return 2
    written = []
    try:
        if not args.no_video:
            written += run_video(args)
        written += run_clip_demo(args.clip, args.out_dir, show=args.show,
                                 no_render=args.no_render,
                                 device=args.device)
    except (ClipError, VideoError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    print(f'[main job] done in {time.perf_counter() - t0:.0f} s; wrote')
    for w in written:
        print(f'    {w}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
