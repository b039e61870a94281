"""Images or a video -> MMPose 2D poses -> our 3D lifter -> results.json and
a rendered animation (2D overlay beside the 3D skeleton).

    python tools/demo.py INPUT --pose2d CFG_OR_ALIAS [--pose2d-weights W]
        --pose3d CFG --pose3d-weights CKPT [--det-model whole_image|ALIAS]
        [--det-weights W] [--out-dir DIR] [--device cpu] [--no-render]
        [--fps N] [--max-frames N] [--threads N] [--trust-checkpoint]

INPUT: an image, a folder of images (sorted by name, each on its own) or a
video (frames in order; online: only past frames are used). MMPose aliases
(``--pose2d human``, ``--det-model``) download weights; offline, give a
config file and ``--pose2d-weights`` (None: random weights, for testing)
and ``--det-model whole_image`` (the whole image is one person box).

Writes ``DIR/results.json`` atomically::

    {"meta": {"pose2d", "pose3d", "units": "metres", "joint_names",
              "created", ...},
     "frames": [{"frame": i, "instances": [{"track_id", "keypoints_3d",
        "keypoint_scores", "keypoint_spread", "keypoints_2d", "bbox"}]}]}

``keypoints_3d`` (17, 3) metres in MMPose's display frame (X = -x_cam,
Y = z_cam depth, Z = -y_cam up, lowest joint at Z = 0: see
``poselift_mm.apis.inference``), ``keypoints_2d`` (17, 2) px and ``bbox``
[x1, y1, x2, y2] px, Human3.6M-17 joints. Unless ``--no-render``,
``DIR/demo.mp4`` (mp4v), or ``DIR/demo.gif`` when no mp4 writer works.
A video that ends early: a message, and the frames read are written. No
frame read, or bad arguments: ``error: ...`` on stderr, exit code 2.

``--offline`` (videos): all frames are read and lifted online first, then
every track is lifted again by the same lifter with windows centred on each
frame (``relift_offline``: the true future instead of a padded one); the
animation is rendered afterwards from frames kept at panel size.
"""
import argparse
import contextlib
import json
import math
import os
import os.path as osp
import sys
import tempfile
import time
import warnings

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import numpy as np  # noqa: E402

PANEL_PX = 480  # height of both panels of the animation
FALLBACK_FPS = 10.


class DemoError(ValueError):
    """A problem to report as ``error: ...`` with exit code 2."""


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description='2D detector + 3D lifter demo: results.json and an '
        'animation', formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('input', help='image, folder of images or video')
    p.add_argument('--pose2d', required=True,
                   help='MMPose 2D config file or alias (aliases download)')
    p.add_argument('--pose2d-weights', default=None,
                   help='2D checkpoint (default: random weights for a '
                   'config file, the alias weights for an alias)')
    p.add_argument('--pose3d', required=True, help='lifter config file')
    p.add_argument('--pose3d-weights', required=True,
                   help='lifter checkpoint')
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
                   help='animation frame rate (default: the video\'s, '
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
                   'config); the online 3D is kept as keypoints_3d_online')
    p.add_argument('--trust-checkpoint', action='store_true',
                   help='allow full unpickling of checkpoints you trust')
    return p.parse_args(argv)


# ---- rendering -------------------------------------------------------------
def skeleton_edges():
    """(E, 2) child, parent joint indices of Human3.6M-17."""
    from poselift_mm.geometry.skeleton import H36M17_PARENTS
    parents = np.asarray(H36M17_PARENTS)
    child = np.nonzero(parents >= 0)[0]
    return np.stack([child, parents[child]], 1)


def track_colour(track_id: int):
    """RGB floats in [0, 1] of a track (matplotlib's tab10 cycle)."""
    from matplotlib import colormaps
    return colormaps['tab10'](int(track_id) % 10)[:3]


class SkeletonRenderer:
    """One animation frame (H, W, 3) uint8 RGB: the image with the 2D
    skeletons and boxes, beside a matplotlib 3D view of the 3D skeletons
    (fixed axis limits, metres, MMPose's display frame)."""

    def __init__(self, panel_px: int = PANEL_PX, half_width_m: float = 1.,
                 height_m: float = 2., rebased: bool = True):
        import matplotlib
        matplotlib.use('Agg', force=False)
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        self.panel = int(panel_px) // 2 * 2
        self.fig = Figure(figsize=(self.panel / 100., self.panel / 100.),
                          dpi=100)
        self.canvas = FigureCanvasAgg(self.fig)
        self.fig.subplots_adjust(left=0., right=1., bottom=0., top=0.95)
        self.ax = self.fig.add_subplot(projection='3d')
        self.half = float(half_width_m)
        self.zlim = (0., height_m) if rebased else (-height_m / 2,
                                                    height_m / 2)
        self.edges = skeleton_edges()

    def _image_panel(self, img_bgr, instances):
        import cv2
        h, w = img_bgr.shape[:2]
        s = self.panel / h
        out_w = max(2, int(round(w * s)) // 2 * 2)
        img = cv2.resize(img_bgr, (out_w, self.panel),
                         interpolation=cv2.INTER_AREA)
        img = np.ascontiguousarray(img[..., ::-1])  # RGB
        for inst in instances:
            col = tuple(int(255 * c) for c in track_colour(inst['track_id']))
            kp = np.asarray(inst['keypoints_2d'], np.float64) * [
                out_w / w, self.panel / h]
            if not np.isfinite(kp).all():
                continue
            kp = np.round(kp).astype(np.int32)
            for a, b in self.edges:
                cv2.line(img, tuple(kp[a]), tuple(kp[b]), col, 2,
                         cv2.LINE_AA)
            for p in kp:
                cv2.circle(img, tuple(p), 3, col, -1, cv2.LINE_AA)
            x1, y1, x2, y2 = (np.asarray(inst['bbox']) *
                              [out_w / w, self.panel / h, out_w / w,
                               self.panel / h]).round().astype(int)
            cv2.rectangle(img, (x1, y1), (x2, y2), col, 1)
        return img

    def _3d_panel(self, instances, title: str):
        ax = self.ax
        ax.cla()
        for inst in instances:
            kp = np.asarray(inst['keypoints_3d'], np.float64)
            seg = kp[self.edges]  # (E, 2, 3)
            col = track_colour(inst['track_id'])
            for s in seg:
                ax.plot(s[:, 0], s[:, 1], s[:, 2], color=col, lw=2)
            ax.scatter(kp[:, 0], kp[:, 1], kp[:, 2], color=col, s=6)
        ax.set_xlim(-self.half, self.half)
        ax.set_ylim(-self.half, self.half)
        ax.set_zlim(*self.zlim)
        ax.set_box_aspect((2 * self.half, 2 * self.half,
                           self.zlim[1] - self.zlim[0]))
        # azim 90 would be the camera's view (viewer on +Y, screen right =
        # -X = camera x, up = Z); 70: a three-quarter view
        ax.view_init(elev=15., azim=70.)
        ax.set_xlabel('X (m)')
        ax.set_ylabel('Y depth (m)')
        ax.set_zlabel('Z up (m)')
        ax.set_title(title, fontsize=9)
        self.canvas.draw()
        return np.asarray(self.canvas.buffer_rgba())[..., :3].copy()

    def render(self, img_bgr, record) -> np.ndarray:
        left = self._image_panel(img_bgr, record['instances'])
        n = len(record['instances'])
        right = self._3d_panel(record['instances'],
                               f"frame {record['frame']}: {n} "
                               f"{'person' if n == 1 else 'people'}")
        return np.concatenate([left, right], 1)


def mp4_writer_works() -> bool:
    """Can OpenCV write an mp4v .mp4 here (probed on 2 tiny frames)?"""
    import cv2
    with tempfile.TemporaryDirectory() as tmp:
        path = osp.join(tmp, 'probe.mp4')
        w = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), 5.,
                            (32, 32))
        if not w.isOpened():
            return False
        for _ in range(2):
            w.write(np.zeros((32, 32, 3), np.uint8))
        w.release()
        return osp.isfile(path) and osp.getsize(path) > 0


class AnimationWriter:
    """Frames (RGB) -> an mp4 (OpenCV mp4v) or, as fallback, a GIF
    (Pillow), written beside ``path`` and renamed over it on success."""

    def __init__(self, tmp_path, fps, gif: bool):
        """``fps``: a number or a callable giving it at the first frame."""
        self.tmp = str(tmp_path)
        self._fps = fps
        self.gif = gif
        self.frames = []  # GIF only
        self.writer = None
        self.count = 0

    @property
    def fps(self) -> float:
        return float(self._fps() if callable(self._fps) else self._fps)

    def add(self, rgb: np.ndarray) -> None:
        import cv2
        if self.gif:
            from PIL import Image
            self.frames.append(Image.fromarray(rgb))
        else:
            if self.writer is None:
                self.writer = cv2.VideoWriter(
                    self.tmp, cv2.VideoWriter_fourcc(*'mp4v'), self.fps,
                    (rgb.shape[1], rgb.shape[0]))
                if not self.writer.isOpened():
                    raise DemoError(f'{self.tmp}: OpenCV cannot write mp4')
            self.writer.write(np.ascontiguousarray(rgb[..., ::-1]))
        self.count += 1

    def close(self) -> None:
        if self.writer is not None:
            self.writer.release()
        if self.gif and self.frames:
            self.frames[0].save(
                self.tmp, format='GIF', save_all=True,
                append_images=self.frames[1:], loop=0,
                duration=max(20, int(round(1000. / self.fps))))


# ---- run -------------------------------------------------------------------
def _panel_frame(img_bgr):
    """(image resized to the panel height, its scale) for --offline."""
    import cv2
    h, w = img_bgr.shape[:2]
    s = min(1., PANEL_PX / h)
    if s == 1.:
        return img_bgr, 1.
    return cv2.resize(img_bgr, (max(2, int(round(w * s))), PANEL_PX),
                      interpolation=cv2.INTER_AREA), s


def _scaled_record(record, scale: float):
    """A copy of ``record`` with its 2D keypoints and boxes scaled."""
    out = dict(record, instances=[])
    for inst in record['instances']:
        inst = dict(inst)
        inst['keypoints_2d'] = (np.asarray(inst['keypoints_2d']) *
                                scale).tolist()
        inst['bbox'] = (np.asarray(inst['bbox']) * scale).tolist()
        out['instances'].append(inst)
    return out


def _read_image(frame):
    if isinstance(frame, np.ndarray):
        return frame
    import cv2
    img = cv2.imread(str(frame))
    if img is None:
        raise DemoError(f'{frame}: cannot read the image')
    return img


def _progress(total):
    try:
        from tqdm import tqdm
        return tqdm(total=total, unit='frame', file=sys.stderr)
    except ImportError:
        from mmengine.utils import ProgressBar
        return ProgressBar(total)


def _json_ready(obj, nulled: list):
    """NaN/inf floats -> None (strict JSON), counted in ``nulled``."""
    if isinstance(obj, float):
        if math.isfinite(obj):
            return obj
        nulled.append(obj)
        return None
    if isinstance(obj, dict):
        return {k: _json_ready(v, nulled) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_ready(v, nulled) for v in obj]
    return obj


def write_results(path, meta: dict, records: list) -> int:
    """Atomic results.json; returns the number of NaN/inf values nulled."""
    from poselift_mm.utils.io import atomic_path
    nulled = []
    doc = _json_ready(dict(meta=meta, frames=records), nulled)
    with atomic_path(path) as tmp:
        with open(tmp, 'w') as f:
            json.dump(doc, f, allow_nan=False)
    return len(nulled)


def run(args) -> int:
    import poselift_mm  # noqa: F401  (registrations, compat fixes)
    from poselift_mm.apis.inference import (InputReadError,
                                            TruncatedVideoWarning,
                                            build_inferencer, list_inputs,
                                            relift_offline, run_inferencer)
    from poselift_mm.geometry.skeleton import H36M17_NAMES
    from poselift_mm.utils import trust_checkpoints
    from poselift_mm.utils.io import atomic_path

    if args.max_frames is not None and args.max_frames < 1:
        raise DemoError(f'--max-frames must be >= 1, got {args.max_frames}')
    if args.fps is not None and not args.fps > 0:
        raise DemoError(f'--fps must be > 0, got {args.fps}')
    try:
        items = list_inputs(args.input)  # fail early, before the models
    except InputReadError as err:
        raise DemoError(str(err)) from None
    if args.offline and not isinstance(items, str):
        raise DemoError(f'{args.input}: --offline needs a video (images '
                        'have no neighbouring frames)')
    if args.threads is not None:
        if args.threads < 1:
            raise DemoError(f'--threads must be >= 1, got {args.threads}')
        import torch
        torch.set_num_threads(args.threads)
    if args.trust_checkpoint:
        trust_checkpoints()
    t0 = time.time()
    try:
        inferencer = build_inferencer(
            args.pose2d, args.pose2d_weights, args.pose3d,
            args.pose3d_weights, device=args.device,
            det_model=args.det_model, det_weights=args.det_weights,
            det_cat_ids=args.det_cat_ids)
    except (ValueError, FileNotFoundError) as err:
        raise DemoError(str(err)) from None
    print(f'[demo] models ready in {time.time() - t0:.1f} s '
          f'({inferencer.poselift_kwargs})', flush=True)

    os.makedirs(args.out_dir, exist_ok=True)
    gif = False
    if not args.no_render:
        gif = not mp4_writer_works()
        if gif:
            print('[demo] no working mp4 writer in OpenCV: writing a GIF',
                  flush=True)
    anim_path = osp.join(args.out_dir, 'demo.gif' if gif else 'demo.mp4')
    info = {}
    state = dict(bar=None, renderer=None, writer=None)

    kept = []  # --offline: (frame at panel height, scale) for rendering

    def on_frame(i, frame, record):
        if args.offline and not args.no_render:
            kept.append(_panel_frame(_read_image(frame)))
        if state['bar'] is None:
            total = info.get('frames_expected')
            if args.max_frames is not None and total is not None:
                total = min(total, args.max_frames)
            state['bar'] = _progress(total)
        if state['writer'] is not None and not args.offline:
            state['writer'].add(state['renderer'].render(
                _read_image(frame), record))
        state['bar'].update(1)

    t1 = time.time()
    with contextlib.ExitStack() as stack:
        if not args.no_render:
            tmp = stack.enter_context(atomic_path(anim_path))
            state['renderer'] = SkeletonRenderer()
            # info['fps'] is filled when the input is opened, before frame 0
            state['writer'] = AnimationWriter(
                tmp, lambda: args.fps or info.get('fps') or FALLBACK_FPS,
                gif)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always', TruncatedVideoWarning)
            try:
                records = run_inferencer(
                    inferencer, args.input, max_frames=args.max_frames,
                    on_frame=on_frame, info=info)
            except InputReadError as err:
                raise DemoError(str(err)) from None
            finally:
                if hasattr(state['bar'], 'close'):
                    state['bar'].close()
        for w in caught:
            if issubclass(w.category, TruncatedVideoWarning):
                print(f'[demo] warning: {w.message}', file=sys.stderr,
                      flush=True)
            else:
                warnings.showwarning(w.message, w.category, w.filename,
                                     w.lineno)
        if not records:
            raise DemoError(f'{args.input}: no frame could be read')
        if args.offline:
            t2 = time.time()
            relift_offline(inferencer, records,
                           (info['width'], info['height']))
            print(f'[demo] offline: tracks lifted again with centred '
                  f'windows in {time.time() - t2:.1f} s', flush=True)
            if state['writer'] is not None:
                for (img, scale), record in zip(kept, records):
                    state['writer'].add(state['renderer'].render(
                        img, _scaled_record(record, scale)))
        if state['writer'] is not None:
            state['writer'].close()
        meta = dict(
            pose2d=args.pose2d, pose3d=args.pose3d, units='metres',
            joint_names=list(H36M17_NAMES),
            created=time.strftime('%Y-%m-%dT%H:%M:%S%z'),
            input=args.input, pose3d_weights=args.pose3d_weights,
            pose2d_weights=args.pose2d_weights,
            keypoints_3d_frame='MMPose display frame: X = -x_cam, '
            'Y = z_cam (depth), Z = -y_cam (up), lowest joint at Z = 0',
            frames_expected=info.get('frames_expected'),
            truncated=info.get('truncated', False),
            offline=bool(args.offline),
            **inferencer.poselift_kwargs)
        res_path = osp.join(args.out_dir, 'results.json')
        nulled = write_results(res_path, meta, records)
    n_inst = sum(len(r['instances']) for r in records)
    print(f'[demo] {len(records)} frames, {n_inst} person instances in '
          f'{time.time() - t1:.1f} s; wrote {res_path}'
          + ('' if args.no_render else f' and {anim_path}'), flush=True)
    if nulled:
        print(f'[demo] warning: {nulled} NaN/inf values written as null',
              file=sys.stderr)
    return 0


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        return run(args)
    except DemoError as err:
        print(f'error: {err}', file=sys.stderr, flush=True)
        return 2


if __name__ == '__main__':
    sys.exit(main())
