"""Images or a video -> MMPose 2D poses -> our 3D lifter -> results.json and
a rendered animation (2D overlay beside the 3D skeleton).

    python tools/demo.py INPUT --pose2d CFG_OR_ALIAS [--pose2d-weights W]
        --pose3d CFG_OR_ALIAS [--pose3d-weights CKPT]
        [--det-model whole_image|ALIAS]
        [--det-weights W] [--out-dir DIR] [--device cpu] [--no-render]
        [--fps N] [--max-frames N] [--threads N] [--trust-checkpoint]

INPUT: an image, a folder of images (sorted by name, each on its own) or a
video (frames in order; online: only past frames are used).
``--pose2d blazepose``: MediaPipe's BlazePose, an offline 2D detector
(``pip install --no-deps -r requirements/blazepose.txt``; setup_env.sh
installs it): no MMPose 2D model or person detector; a video is detected
first, then its person is lifted whole (windows centred on each frame, as
``--offline``). MMPose aliases
(``--pose2d human``, ``--det-model``) download weights; offline, give a
config file and ``--pose2d-weights`` (None: random weights, for testing)
and ``--det-model whole_image`` (the whole image is one person box).
``--pose3d``: a lifter config file (then ``--pose3d-weights`` is needed) or
a released model's alias (``zedo``, ``diffpose``, ``diffpose-video``, ...:
``python -m poselift_mm.apis.model_zoo list``), which brings its packaged
weights.

Writes ``DIR/results.json`` atomically, the results file of
``poselift_mm.apis.output_schema`` (as ``tools/lift.py``)::

    {"meta": {"schema", "schema_version", "coordinate_frame": "camera",
              "units": "metres", "joint_names", "model", "fps",
              "image_size", "pose2d", "pose3d", "created", ...},
     "frames": [{"frame_id": i, "instances": [{"track_id", "keypoints",
        "keypoint_scores", "keypoint_spread", "keypoints_2d",
        "translation", "bbox", "keypoints_3d"}]}]}

``keypoints`` (17, 3) root-relative camera-frame metres (x right, y down,
z forward), ``keypoint_spread`` (17,) metres or null (no spread: one
hypothesis), ``translation`` the root's camera-frame position when the
lifter gives one (ZeDO, ``--offline`` or ``blazepose``), else null
(MMPose's inferencer keeps none), ``keypoints_2d`` (17, 2) px and ``bbox``
[x1, y1, x2, y2] px, Human3.6M-17 joints. Kept for one schema version:
``frame`` (= frame_id) and ``keypoints_3d`` in MMPose's display frame
(X = -x_cam, Y = z_cam depth, Z = -y_cam up, lowest joint at Z = 0: see
``poselift_mm.visualization.display``). Unless ``--no-render``,
``DIR/demo.mp4`` (mp4v), or ``DIR/demo.gif`` when no mp4 writer works.
A video that ends early: a message, and the frames read are written. No
frame read, or bad arguments: ``error: ...`` on stderr, exit code 2.

``--offline`` (videos): all frames are read and lifted online first, then
every track is lifted again by the same lifter with windows centred on each
frame (the true future instead of a padded one); the animation is rendered
afterwards from frames kept at panel size.

Frame rate: a video lifter trained at another rate (the released video
DiffPose: 50 Hz windows) gets the video's track resampled to its rate and
its 3D resampled back to the video's frames (offline and with
``--pose2d blazepose``; ``poselift_mm.apis.track_lifting``). The video's
rate is its metadata's, or ``--fps``.
"""
import argparse
import sys

from poselift_mm.apis.video_demo import FALLBACK_FPS, DemoError, run_demo
from poselift_mm.utils.launch import quiet_warnings


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description='2D detector + 3D lifter demo: results.json and an '
        'animation', formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('input', help='image, folder of images or video')
    p.add_argument('--pose2d', required=True,
                   help="MMPose 2D config file or alias (aliases download),"
                   " or 'blazepose' (MediaPipe's BlazePose, offline)")
    p.add_argument('--pose2d-weights', default=None,
                   help='2D checkpoint (default: random weights for a '
                   'config file, the alias weights for an alias)')
    p.add_argument('--pose3d', required=True,
                   help='lifter config file, or a released model alias '
                   '(zedo, diffpose, diffpose-video, ...)')
    p.add_argument('--pose3d-weights', default=None,
                   help='lifter checkpoint (default: the alias\'s packaged '
                   'weights; required with a config file)')
    p.add_argument('--det-model', default='whole_image',
                   help="'whole_image' (default) or an MMDetection config "
                   'or alias')
    p.add_argument('--det-weights', default=None)
    p.add_argument('--det-cat-ids', type=int, nargs='+', default=None)
    p.add_argument('--out-dir', default='work_dirs/demo')
    p.add_argument('--device', default='cpu')
    p.add_argument('--no-render', action='store_true',
                   help='write results.json only')
    p.add_argument('--fps', type=float, default=None,
                   help='the video\'s frame rate (default: its metadata; '
                   'a video lifter is resampled from it to its training '
                   'rate), also the animation\'s (default '
                   f'{FALLBACK_FPS:g} for images)')
    p.add_argument('--max-frames', type=int, default=None,
                   help='stop after this many frames')
    p.add_argument('--threads', type=int, default=None,
                   help="torch CPU threads (default: torch's; 1 is much "
                   'faster on a busy machine)')
    p.add_argument('--offline', action='store_true',
                   help='video only: read every frame first, then lift each '
                   'track again with windows centred on each frame (the '
                   'true future; for video lifters, e.g. a *_causal.py '
                   'config); the online 3D is kept as keypoints_online')
    p.add_argument('--trust-checkpoint', action='store_true',
                   help='allow full unpickling of checkpoints you trust')
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    quiet_warnings()
    try:
        return run_demo(**vars(args))
    except DemoError as err:
        print(f'error: {err}', file=sys.stderr, flush=True)
        return 2


if __name__ == '__main__':
    sys.exit(main())
