"""Make the README main job's bundled clip from CMU motion capture.

A BVH file goes through the project's own converter
(``poselift_mm.datasets.mocap``: forward kinematics, CMU -> Human3.6M-17
joints, levelling and placement on the floor, resampling to 50 Hz) and is
projected through the clip's pinhole camera
(``poselift_mm.apis.demo_clip.DEMO_CAMERA``; not a Human3.6M camera:
nothing of the Human3.6M data is in the clip). A short window of it is
saved as one small ``.npz`` (its arrays: ``poselift_mm.apis.demo_clip``).

The committed clip ``demo/cmu_01_01_clip.npz`` was made with

    python tools/make_demo_clip.py ../shared/data/cmu_bvh/01_01.bvh \\
        demo/cmu_01_01_clip.npz --start-s 0 --seconds 4
"""
import argparse
import os.path as osp
import sys

from poselift_mm.apis.demo_clip import make_clip, save_clip


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('bvh')
    p.add_argument('out', help='the clip .npz')
    p.add_argument('--start-s', type=float, default=0.)
    p.add_argument('--seconds', type=float, default=4.)
    p.add_argument('--fps', type=float, default=50.)
    p.add_argument('--seed', type=int, default=0)
    a = p.parse_args(argv)
    clip = make_clip(a.bvh, a.start_s, a.seconds, a.fps, a.seed)
    save_clip(a.out, clip)
    n = len(clip['keypoints_2d'])
    print(f'{a.out}: {n} frames ({clip["source"]}), '
          f'{osp.getsize(a.out) / 1024:.0f} KiB')
    return 0


if __name__ == '__main__':
    sys.exit(main())
