"""Make the README main job's bundled clip from CMU motion capture.

A BVH file goes through the project's own converter
(``poselift_mm.datasets.mocap``: forward kinematics, CMU -> Human3.6M-17
joints, levelling and placement on the floor, resampling to 50 Hz) and is
projected through a pinhole camera defined here (not a Human3.6M camera:
nothing of the Human3.6M data is in the clip). A short window of it is
saved as one small ``.npz``:

  keypoints_2d        (T, 17, 2) float32 px, exact projection
  keypoints_2d_noisy  (T, 17, 2) float32 px, detector-like noise
  scores_noisy        (T, 17) float32, their confidences
  keypoints_3d        (T, 17, 3) float32 camera-frame metres (ground truth)
  f, c                (2,) px; image_size (2,) w, h px
  fps, source, frames, attribution

The committed clip ``demo/cmu_01_01_clip.npz`` was made with

    python tools/make_demo_clip.py ../shared/data/cmu_bvh/01_01.bvh \\
        demo/cmu_01_01_clip.npz --start-s 0 --seconds 4
"""
import argparse
import os
import os.path as osp
import sys
import tempfile

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import numpy as np  # noqa: E402

ATTRIBUTION = (
    'Motion: CMU Graphics Lab Motion Capture Database, '
    'http://mocap.cs.cmu.edu (created with funding from NSF EIA-0196217), '
    'free for research and commercial use, no resale of the data. '
    'Converted to Human3.6M-17 2D/3D by poselift_mm '
    '(tools/make_demo_clip.py).')

# The clip's camera: 1000 x 1000 px, focal 1150 px (about Human3.6M's), level
# at 1.5 m height, no distortion, placed so that the default clip's person
# is 3.7-5.2 m away (Human3.6M's range).
DEMO_CAMERA = dict(f=(1150., 1150.), c=(500., 500.), w=1000, h=1000,
                   position_m=(0., -1., 1.5))


def demo_camera() -> dict:
    """The clip's camera as ``world_to_camera`` takes it (R world->cam)."""
    # camera x = world x, camera y = -world z (down), camera z = world y
    R = np.array([[1., 0., 0.], [0., 0., -1.], [0., 1., 0.]])
    return dict(R=R, T=np.asarray(DEMO_CAMERA['position_m'], np.float64),
                f=np.asarray(DEMO_CAMERA['f']), c=np.asarray(DEMO_CAMERA['c']),
                k=np.zeros(3), p=np.zeros(2), w=DEMO_CAMERA['w'],
                h=DEMO_CAMERA['h'], name='demo', id='demo')


def make_clip(bvh_path: str, start_s: float = 0., seconds: float = 4.,
              fps: float = 50., seed: int = 0) -> dict:
    """The clip's arrays (see the module docstring)."""
    from poselift_mm.datasets.h36m_format import save_cameras
    from poselift_mm.datasets.mocap import bvh_sequence, convert_to_h36m
    if seconds <= 0 or start_s < 0:
        raise ValueError(f'need start_s >= 0 and seconds > 0, got '
                         f'{start_s}, {seconds}')
    seq = bvh_sequence(bvh_path)
    with tempfile.TemporaryDirectory() as tmp:
        cams = osp.join(tmp, 'cameras.pkl')
        save_cameras(cams, {(seq.subject, 'demo'): demo_camera()})
        convert_to_h36m([seq], tmp, cams, splits={'test': [seq.subject]},
                        camera_ids=['demo'], fps=fps, seed=seed,
                        progress=False)
        tag = f'fps{int(round(fps))}'
        with np.load(osp.join(tmp, 'annotation_body3d', tag,
                              'h36m_test.npz')) as ann:
            part, S = ann['part'], ann['S']
        det = np.load(osp.join(tmp, 'joint_2d_det_files', tag,
                               'h36m_test_noisy.npy'))
    first = int(round(start_s * fps))
    last = first + int(round(seconds * fps))
    if last > len(part):
        raise ValueError(f'{bvh_path}: {len(part) / fps:.1f} s at {fps} Hz, '
                         f'the clip {start_s}-{start_s + seconds} s does '
                         f'not fit')
    sl = slice(first, last)
    return dict(
        keypoints_2d=part[sl, :, :2].astype(np.float32),
        keypoints_2d_noisy=det[sl, :, :2].astype(np.float32),
        scores_noisy=det[sl, :, 2].astype(np.float32),
        keypoints_3d=S[sl, :, :3].astype(np.float32),
        f=np.asarray(DEMO_CAMERA['f'], np.float32),
        c=np.asarray(DEMO_CAMERA['c'], np.float32),
        image_size=np.asarray([DEMO_CAMERA['w'], DEMO_CAMERA['h']],
                              np.float32),
        fps=np.float32(fps),
        frames=np.arange(first, last),
        source=np.str_(f'{osp.basename(bvh_path)}, {start_s:g} s to '
                       f'{start_s + seconds:g} s, resampled to {fps:g} Hz'),
        attribution=np.str_(ATTRIBUTION))


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
    os.makedirs(osp.dirname(osp.abspath(a.out)), exist_ok=True)
    tmp = a.out + '.tmp.npz'
    np.savez_compressed(tmp, **clip)
    os.replace(tmp, a.out)
    n = len(clip['keypoints_2d'])
    print(f'{a.out}: {n} frames ({clip["source"]}), '
          f'{osp.getsize(a.out) / 1024:.0f} KiB')
    return 0


if __name__ == '__main__':
    sys.exit(main())
