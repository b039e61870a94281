"""``tools/demo.py INPUT --pose2d blazepose``: the offline 2D detector
(:mod:`poselift_mm.apis.blazepose`) instead of an MMPose 2D model, then
one lifter (a config with weights, or an alias), written as the MMPose
path writes (``results.json`` of :mod:`poselift_mm.apis.output_schema`,
``demo.mp4`` of :class:`~poselift_mm.visualization.SkeletonRenderer`).

A video is detected frame by frame first, then its person's track is
lifted whole (:func:`~poselift_mm.apis.track_lifting.lift_records`: video
lifters get windows centred on each frame, at their training rate; the
video's rate comes from its metadata or ``--fps``); a frame without a
person stays empty (a gap the lifter fills). Images are lifted each on its
own. MMPose's 2D models stay the default of ``tools/demo.py``.
"""
import os
import os.path as osp
import time

__all__ = ['POSE2D_NAME', 'is_blazepose', 'run_blazepose_demo']

POSE2D_NAME = 'blazepose'


def is_blazepose(pose2d) -> bool:
    """Does ``--pose2d`` name the BlazePose detector?"""
    return str(pose2d).lower() == POSE2D_NAME


def _lifter(request: dict, say):
    """(model, config path, weights path) of ``--pose3d``."""
    from .lift import init_lifter
    from .model_zoo import resolve_lifter
    from .video_demo import DemoError
    pose3d, weights = request['pose3d'], request['pose3d_weights']
    if weights is None and osp.isfile(str(pose3d)):
        raise DemoError(f'{pose3d}: a lifter config file needs '
                        '--pose3d-weights (a model alias such as zedo '
                        'brings its packaged weights)')
    t0 = time.time()
    try:
        cfg, weights = resolve_lifter(pose3d, weights)
        model = init_lifter(cfg, weights, device=request['device'])
    except (ValueError, FileNotFoundError) as err:
        raise DemoError(str(err)) from None
    config = cfg if isinstance(cfg, str) else cfg.filename
    say(f'[demo] lifter ready in {time.time() - t0:.1f} s '
        f'({type(model).__name__}, input space '
        f'{getattr(model, "input_space", "screen")})')
    return model, config, weights


def _detect(request: dict, keep_panels: bool, info: dict):
    """BlazePose frames, and per frame (panel image, scale, (w, h))."""
    from .blazepose import BlazePoseUnavailable, run_blazepose
    from .video_demo import DemoError, panel_frame
    kept = []

    def on_frame(i, img, rec):
        h, w = img.shape[:2]
        panel = panel_frame(img) if keep_panels else (None, 1.)
        kept.append(panel + ((w, h), ))

    try:
        frames = run_blazepose(request['input'], request['max_frames'],
                               on_frame=on_frame, info=info)
    except BlazePoseUnavailable as err:
        raise DemoError(str(err)) from None
    except ValueError as err:  # unreadable video or image
        raise DemoError(str(err)) from None
    if not frames:
        raise DemoError(f'{request["input"]}: no frame could be read')
    return frames, kept


def _lift(model, frames, kept, info: dict, fps, say) -> list:
    """Records (run_inferencer's layout) with the lifted 3D."""
    from .track_lifting import lift_records, records_from_coco
    records = records_from_coco(frames)
    if info['video']:
        return lift_records(model, records, kept[0][2], fps,
                            log=lambda m: say(f'[demo] {m}'))
    for rec, (_, _, size) in zip(records, kept):
        lift_records(model, [rec], size, None)  # each image on its own
    return records


def _meta(request, model, config, weights, info, fps, records) -> dict:
    from poselift_mm.visualization import DISPLAY_FRAME

    from .blazepose import describe
    from .output_schema import make_meta
    from .track_lifting import H36M_IMAGE_SIZE, model_fps
    size = (info['width'], info['height']) if info.get('width') else None
    screen = getattr(model, 'input_space', 'screen') != 'pixel'
    return make_meta(
        model=dict(config=str(config), checkpoint=str(weights),
                   type=type(model).__name__),
        fps=fps, image_size=size,
        root_index=int(getattr(model, 'root_index', 0)),
        pose2d=POSE2D_NAME, pose2d_detector=describe(),
        pose3d=request['pose3d'], pose3d_weights=str(weights),
        created=time.strftime('%Y-%m-%dT%H:%M:%S%z'),
        input=request['input'], model_fps=model_fps(model),
        screen_normalisation=(
            'each pose moved to Human3.6M box statistics in a '
            f'{H36M_IMAGE_SIZE[0]:g} x {H36M_IMAGE_SIZE[1]:g} px image'
            if screen else None),
        keypoints_3d_frame=DISPLAY_FRAME,
        frames_expected=info.get('frames_expected'),
        truncated=bool(info.get('video') and len(records) < min(
            info.get('frames_expected') or 0,
            request['max_frames'] or float('inf'))),
        offline=bool(info.get('video')))


def _render(anim_path: str, gif: bool, kept, records, fps) -> None:
    from poselift_mm.utils.io import atomic_path
    from poselift_mm.visualization import AnimationWriter, SkeletonRenderer

    from .video_demo import FALLBACK_FPS, scaled_record
    renderer = SkeletonRenderer()
    with atomic_path(anim_path) as tmp:
        writer = AnimationWriter(tmp, fps or FALLBACK_FPS, gif)
        for (img, scale, _), rec in zip(kept, records):
            writer.add(renderer.render(img, scaled_record(rec, scale)))
        writer.close()


def run_blazepose_demo(request: dict, say=print) -> int:
    """``tools/demo.py`` with ``--pose2d blazepose`` (``request``:
    :func:`~poselift_mm.apis.video_demo.run_demo`'s arguments): writes
    ``results.json`` and unless ``no_render`` the animation under
    ``out_dir``; returns 0, raises ``DemoError``."""
    from .video_demo import animation_path, write_results
    model, config, weights = _lifter(request, say)
    info = {}
    t0 = time.time()
    frames, kept = _detect(request, not request['no_render'], info)
    fps = request['fps'] or info.get('fps')
    n_person = sum(bool(f['instances']) for f in frames)
    say(f'[demo] BlazePose: a person in {n_person} of {len(frames)} '
        f'frames in {time.time() - t0:.1f} s')
    records = _lift(model, frames, kept, info, fps, say)
    os.makedirs(request['out_dir'], exist_ok=True)
    res_path = osp.join(request['out_dir'], 'results.json')
    nulled = write_results(res_path, _meta(request, model, config, weights,
                                           info, fps, records), records)
    anim_path, gif = animation_path(request['out_dir'],
                                    request['no_render'])
    if not request['no_render']:
        _render(anim_path, gif, kept, records, fps)
    say(f'[demo] {len(records)} frames, {n_person} person instances in '
        f'{time.time() - t0:.1f} s; wrote {res_path}'
        + ('' if request['no_render'] else f' and {anim_path}'))
    if nulled:
        say(f'[demo] warning: {nulled} NaN/inf values written as null')
    return 0
