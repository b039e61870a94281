"""The demo behind ``tools/demo.py``: images or a video -> MMPose 2D poses
-> our 3D lifter (MMPose's inferencer, :mod:`poselift_mm.apis.inference`)
-> ``results.json`` and a rendered animation (2D overlay beside the 3D
skeleton, :class:`~poselift_mm.visualization.SkeletonRenderer`).

``results.json`` is a results file of :mod:`poselift_mm.apis.output_schema`
(``keypoints`` in the root-relative camera frame, metres; the display-frame
``keypoints_3d`` the renderer draws are kept for one schema version).
Problems to report to the user raise :class:`DemoError` (the tool prints
``error: ...``, exit code 2).
"""
import contextlib
import os
import os.path as osp
import sys
import time
import warnings
from typing import Optional

import numpy as np

from poselift_mm.visualization import (DISPLAY_FRAME, PANEL_PX,
                                       AnimationError, AnimationWriter,
                                       SkeletonRenderer, mp4_writer_works)

__all__ = ['DemoError', 'FALLBACK_FPS', 'write_results', 'run_demo']

FALLBACK_FPS = 10.


class DemoError(ValueError):
    """A problem to report as ``error: ...`` with exit code 2."""


def _say(msg: str, err: bool = False) -> None:
    print(msg, file=sys.stderr if err else sys.stdout, flush=True)


def panel_frame(img_bgr):
    """(image resized to the panel height, its scale) for ``offline``."""
    import cv2
    h, w = img_bgr.shape[:2]
    s = min(1., PANEL_PX / h)
    if s == 1.:
        return img_bgr, 1.
    return cv2.resize(img_bgr, (max(2, int(round(w * s))), PANEL_PX),
                      interpolation=cv2.INTER_AREA), s


def scaled_record(record, scale: float):
    """A copy of ``record`` with its 2D keypoints and boxes scaled."""
    out = dict(record, instances=[])
    for inst in record['instances']:
        inst = dict(inst)
        inst['keypoints_2d'] = (np.asarray(inst['keypoints_2d']) *
                                scale).tolist()
        inst['bbox'] = (np.asarray(inst['bbox']) * scale).tolist()
        out['instances'].append(inst)
    return out


def read_image(frame):
    """A BGR array: ``frame`` itself or the image file it names."""
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


def write_results(path, meta: dict, records: list) -> int:
    """Atomic results.json (:mod:`~poselift_mm.apis.output_schema`) of
    :func:`run_inferencer` records; returns the number of NaN/inf values
    written as null."""
    from .output_schema import frames_from_records
    from .output_schema import write_results as write_schema
    return write_schema(path, meta, frames_from_records(records))


class FrameSink:
    """``on_frame`` of :func:`run_inferencer`: advances the progress bar
    and, with a ``writer``, renders each frame at once or (``offline``)
    keeps it at panel size to render after the tracks are lifted again."""

    def __init__(self, writer: Optional[AnimationWriter], offline: bool,
                 max_frames: Optional[int], info: dict):
        self.writer, self.offline = writer, offline
        self.renderer = SkeletonRenderer() if writer is not None else None
        self.max_frames, self.info = max_frames, info
        self.kept = []  # offline: (frame at panel height, scale)
        self.bar = None

    def __call__(self, i, frame, record) -> None:
        if self.offline and self.writer is not None:
            self.kept.append(panel_frame(read_image(frame)))
        if self.bar is None:
            total = self.info.get('frames_expected')
            if self.max_frames is not None and total is not None:
                total = min(total, self.max_frames)
            self.bar = _progress(total)
        if self.writer is not None and not self.offline:
            self.writer.add(self.renderer.render(read_image(frame), record))
        self.bar.update(1)

    def close_bar(self) -> None:
        if hasattr(self.bar, 'close'):
            self.bar.close()

    def render_kept(self, records) -> None:
        for (img, scale), record in zip(self.kept, records):
            self.writer.add(self.renderer.render(
                img, scaled_record(record, scale)))


def check_request(input, max_frames=None, fps=None, offline=False,
                  threads=None) -> None:
    """Refuse bad arguments and unreadable inputs before the models are
    built; sets torch's thread count."""
    from .inference import InputReadError, list_inputs
    if max_frames is not None and max_frames < 1:
        raise DemoError(f'--max-frames must be >= 1, got {max_frames}')
    if fps is not None and not fps > 0:
        raise DemoError(f'--fps must be > 0, got {fps}')
    try:
        items = list_inputs(input)  # fail early, before the models
    except InputReadError as err:
        raise DemoError(str(err)) from None
    if offline and not isinstance(items, str):
        raise DemoError(f'{input}: --offline needs a video (images '
                        'have no neighbouring frames)')
    if threads is not None:
        if threads < 1:
            raise DemoError(f'--threads must be >= 1, got {threads}')
        import torch
        torch.set_num_threads(threads)


def build(pose2d, pose2d_weights, pose3d, pose3d_weights, **kwargs):
    """:func:`build_inferencer` (``kwargs``: device, det_model,
    det_weights, det_cat_ids); its errors as :class:`DemoError`.
    ``pose3d``: a config file (with ``pose3d_weights``) or a model alias
    (its packaged weights unless ``pose3d_weights`` is given)."""
    import os.path as osp

    from .inference import build_inferencer
    if pose3d_weights is None and osp.isfile(str(pose3d)):
        raise DemoError(
            f'{pose3d}: a lifter config file needs --pose3d-weights (a '
            'model alias such as zedo brings its packaged weights)')
    t0 = time.time()
    try:
        inferencer = build_inferencer(pose2d, pose2d_weights, pose3d,
                                      pose3d_weights, **kwargs)
    except (ValueError, FileNotFoundError) as err:
        raise DemoError(str(err)) from None
    _say(f'[demo] models ready in {time.time() - t0:.1f} s '
         f'({inferencer.poselift_kwargs})')
    return inferencer


def lift_frames(inferencer, input, max_frames, sink: FrameSink,
                info: dict) -> list:
    """:func:`run_inferencer` records; a truncated video is reported on
    stderr, no frame at all is a :class:`DemoError`."""
    from .inference import (InputReadError, TruncatedVideoWarning,
                            run_inferencer)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always', TruncatedVideoWarning)
        try:
            records = run_inferencer(inferencer, input,
                                     max_frames=max_frames, on_frame=sink,
                                     info=info)
        except InputReadError as err:
            raise DemoError(str(err)) from None
        finally:
            sink.close_bar()
    for w in caught:
        if issubclass(w.category, TruncatedVideoWarning):
            _say(f'[demo] warning: {w.message}', err=True)
        else:
            warnings.showwarning(w.message, w.category, w.filename,
                                 w.lineno)
    if not records:
        raise DemoError(f'{input}: no frame could be read')
    return records


def relift(inferencer, records: list, info: dict, fps=None) -> None:
    """``offline``: every track lifted again with centred windows, a video
    lifter at its training rate (the track resampled from ``fps``, the
    video's rate: :func:`~poselift_mm.apis.track_lifting.lift_records`),
    the 2D normalised as the online pass did (MMPose's: the real image
    size)."""
    from .track_lifting import lift_records
    inner = getattr(inferencer, 'inferencer', inferencer)
    model = inner.model
    if getattr(model, 'cfg', None) is None:
        model.cfg = inner.cfg
    t0 = time.time()
    lift_records(model, records, (info['width'], info['height']), fps,
                 screen_size=None, log=lambda m: _say(f'[demo] {m}'))
    _say(f'[demo] offline: tracks lifted again with centred windows in '
         f'{time.time() - t0:.1f} s')


def note_online_rate(inferencer, fps) -> None:
    """Say when an online video lifter is fed a rate it was not trained
    at (MMPose's inferencer windows the frames as they come)."""
    from poselift_mm.geometry.frame_rate import same_rate

    from .track_lifting import model_fps
    model = getattr(getattr(inferencer, 'inferencer', inferencer), 'model',
                    None)
    rate = model_fps(model) if model is not None else None
    if fps and rate and (getattr(model, 'num_frames', None) or 1) > 1 \
            and not same_rate(fps, rate):
        _say(f'[demo] note: online, the video lifter sees the {fps:g} fps '
             f'frames as they come, though it was trained at {rate:g} Hz; '
             '--offline lifts at its rate')


def demo_meta(request: dict, inferencer, info: dict) -> dict:
    """``meta`` of results.json (``request``: run_demo's arguments)."""
    from .output_schema import make_meta
    inner = getattr(inferencer, 'inferencer', inferencer)
    lifter = getattr(inner, 'model', None)
    size = (info['width'], info['height']) if info.get('width') else None
    # the files an alias resolved to (build_inferencer)
    files = getattr(inferencer, 'poselift_lifter', None) or dict(
        config=str(request['pose3d']), weights=request['pose3d_weights'])
    return make_meta(
        model=dict(config=str(files['config']),
                   checkpoint=str(files['weights']),
                   type=type(lifter).__name__ if lifter is not None
                   else None),
        fps=info.get('fps') or None, image_size=size,
        root_index=int(getattr(lifter, 'root_index', 0)),
        pose2d=request['pose2d'], pose3d=request['pose3d'],
        created=time.strftime('%Y-%m-%dT%H:%M:%S%z'),
        input=request['input'],
        pose3d_weights=files['weights'],
        pose2d_weights=request['pose2d_weights'],
        keypoints_3d_frame=DISPLAY_FRAME,
        frames_expected=info.get('frames_expected'),
        truncated=info.get('truncated', False),
        offline=bool(request['offline']), **inferencer.poselift_kwargs)


def animation_path(out_dir: str, no_render: bool):
    """(path, GIF?) of the animation; a GIF when OpenCV has no mp4
    writer."""
    gif = False
    if not no_render:
        gif = not mp4_writer_works()
        if gif:
            _say('[demo] no working mp4 writer in OpenCV: writing a GIF')
    return osp.join(out_dir, 'demo.gif' if gif else 'demo.mp4'), gif


def _write_outputs(inferencer, request: dict, info: dict, gif: bool,
                   anim_path: str) -> tuple:
    """Lift (and render) every frame; write the animation (atomic) and
    results.json. Returns (records, results path, NaN/inf count)."""
    from poselift_mm.utils.io import atomic_path
    with contextlib.ExitStack() as stack:
        writer = None
        if not request['no_render']:
            tmp = stack.enter_context(atomic_path(anim_path))
            # info['fps'] is filled when the input is opened, before frame 0
            writer = AnimationWriter(
                tmp, lambda: request['fps'] or info.get('fps') or
                FALLBACK_FPS, gif)
        sink = FrameSink(writer, request['offline'], request['max_frames'],
                         info)
        records = lift_frames(inferencer, request['input'],
                              request['max_frames'], sink, info)
        fps = request['fps'] or info.get('fps') or None
        if request['offline']:
            relift(inferencer, records, info, fps)
            if writer is not None:
                sink.render_kept(records)
        elif info.get('video'):
            note_online_rate(inferencer, fps)
        if writer is not None:
            writer.close()
        res_path = osp.join(request['out_dir'], 'results.json')
        nulled = write_results(res_path, demo_meta(request, inferencer,
                                                   info), records)
    return records, res_path, nulled


def run_demo(input, pose2d, pose3d, pose3d_weights, pose2d_weights=None,
             det_model='whole_image', det_weights=None, det_cat_ids=None,
             out_dir='work_dirs/demo', device='cpu', no_render=False,
             fps=None, max_frames=None, threads=None, offline=False,
             trust_checkpoint=False) -> int:
    """The demo (arguments: ``tools/demo.py``'s options): writes
    ``out_dir/results.json`` and, unless ``no_render``, ``demo.mp4`` (or
    ``demo.gif``). Returns 0; raises :class:`DemoError`."""
    request = dict(locals())
    import poselift_mm  # noqa: F401  (registrations, compat fixes)
    from poselift_mm.utils import checkpoint_trust
    check_request(input, max_frames, fps, offline, threads)
    from poselift_mm.utils.io import make_out_dir
    try:  # before any model loads: a bad --out-dir fails at once
        make_out_dir(out_dir)
    except ValueError as err:
        raise DemoError(str(err)) from None
    from .blazepose_demo import is_blazepose, run_blazepose_demo
    if is_blazepose(pose2d):  # the offline detector, not an MMPose model
        with checkpoint_trust(trust_checkpoint):
            return run_blazepose_demo(request, say=_say)
    with checkpoint_trust(trust_checkpoint):  # the models' loads only
        inferencer = build(pose2d, pose2d_weights, pose3d, pose3d_weights,
                           device=device, det_model=det_model,
                           det_weights=det_weights, det_cat_ids=det_cat_ids)
    os.makedirs(out_dir, exist_ok=True)
    anim_path, gif = animation_path(out_dir, no_render)
    t0 = time.time()
    try:
        records, res_path, nulled = _write_outputs(inferencer, request, {},
                                                   gif, anim_path)
    except AnimationError as err:
        raise DemoError(str(err)) from None
    n_inst = sum(len(r['instances']) for r in records)
    _say(f'[demo] {len(records)} frames, {n_inst} person instances in '
         f'{time.time() - t0:.1f} s; wrote {res_path}'
         + ('' if no_render else f' and {anim_path}'))
    if nulled:
        print(f'[demo] warning: {nulled} NaN/inf values written as null',
              file=sys.stderr)
    return 0
