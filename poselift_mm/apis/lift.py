"""Lift 2D keypoints a user already has (one person, N frames) to 3D.

    model = init_lifter('configs/zedo/zedo_prior-mlp512_h36m-mocap_cpu.py',
                        'work_dirs/zedo/best.pth')
    out = lift_keypoints(kpts_px, scores, model, image_size=(1920, 1080))
    out['keypoints_3d']  # (N, 17, 3) root-relative camera-frame metres

Samples go through the model config's own test pipeline
(``test_dataloader.dataset.pipeline``), so the 2D normalisation is exactly
the one the model was trained with: pixels plus intrinsics for ZeDO
(``PixelPoseLifting``), DiffPose's screen normalisation ``u = 2x/w - 1,
v = 2y/w - h/w`` (MMPose's ``VideoPoseLifting``) for DiffPose.
"""
import copy
from pathlib import Path
from typing import Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import torch

from poselift_mm.geometry.plausibility import frame_list
from .lift_inputs import (AUTO_FORMATS, FORMAT_HINT, MAX_GAP, camera_param,
                          prepare_track, resolve_keypoint_format)

__all__ = ['init_lifter', 'lift_keypoints', 'video_windows',
           'resolve_keypoint_format', 'resolve_model_files', 'AUTO_FORMATS',
           'FORMAT_HINT']

# model config keys naming files: needed to test (else only to train)
MODEL_FILE_KEYS = {'file': True, 'path': True, 'backbone_checkpoint': False,
                   'head_checkpoint': False}


def _model_file_nodes(node, prefix: str):
    """(dict node, key, dotted name) of every :data:`MODEL_FILE_KEYS`
    entry holding a relative path under ``node`` (a model config)."""
    from poselift_mm.utils.paths import is_relative
    if not hasattr(node, 'items'):
        if isinstance(node, (list, tuple)):
            for i, item in enumerate(node):
                yield from _model_file_nodes(item, f'{prefix}.{i}')
        return
    for key, value in node.items():
        name = f'{prefix}.{key}'
        if key in MODEL_FILE_KEYS and is_relative(value):
            yield node, key, name
        elif hasattr(value, 'items') or isinstance(value, (list, tuple)):
            yield from _model_file_nodes(value, name)


def _checkpoint_state(checkpoint):
    from mmengine.runner.checkpoint import _load_checkpoint
    ckpt = _load_checkpoint(str(checkpoint), map_location='cpu')
    return ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else {}


def resolve_model_files(cfg, checkpoint: Optional[str] = None) -> list:
    """Make the files ``cfg.model`` names (``init_poses.file``, ``gmm.path``,
    ``backbone_checkpoint``, ...) absolute, in place: a relative path is
    looked for in the current directory, beside the config file and the
    checkpoint and in their repositories, then in the package's repository
    (:func:`poselift_mm.utils.paths.find_file`). A GMM file found nowhere is
    not needed when the checkpoint holds the GMM's (persistent) buffers: its
    ``path`` is dropped. Any other file needed to test that is found nowhere
    raises ``ValueError`` naming the config key and the places tried.
    Returns the notes of what was done."""
    from poselift_mm.utils.paths import (candidates, checkpoint_bases,
                                         config_bases, find_file)
    ckpt_bases = checkpoint_bases(checkpoint)
    bases = config_bases(getattr(cfg, 'filename', None)) + ckpt_bases
    notes, state = [], None
    for node, key, name in list(_model_file_nodes(cfg.model, 'model')):
        value = node[key]
        found = find_file(value, bases, ckpt_bases[:1])
        if found:
            node[key] = found
            continue
        if not MODEL_FILE_KEYS[key]:
            continue  # training only (init_weights): not needed here
        if node.get('type') == 'GMMPrior' and checkpoint is not None:
            if state is None:
                state = _checkpoint_state(checkpoint)
            prefix = name[len('model.'):-len('.path')]
            weights = state.get(f'{prefix}.weights')
            if weights is not None and weights.ndim == 2:
                node[key] = None
                node['num_keypoints'], node['num_components'] = \
                    (int(v) for v in weights.shape)
                notes.append(f'{name}={value!r} not found: the GMM comes '
                             'from the checkpoint')
                continue
        tried = candidates(value, bases, ckpt_bases[:1])
        raise ValueError(
            f'config {getattr(cfg, "filename", None)!r}: {name}={value!r} '
            f'is not a file here; looked in: {", ".join(tried)}. Give its '
            f'path with --cfg-options {name}=PATH (tools) or cfg_options='
            f'{{{name!r}: PATH}}')
    return notes


def init_lifter(config, checkpoint: Optional[str] = None,
                device: Optional[str] = None,
                cfg_options: Optional[dict] = None):
    """Build a lifter from a config (path or ``Config``) and load weights.

    The checkpoint is loaded with ``strict=True`` (fp16 weights are cast
    to the model's dtype); ``init_weights`` is not called (configs may
    point ``init_cfg`` at training outputs). The files the model config
    names are found from any directory (:func:`resolve_model_files`).
    Returns the model in eval mode on ``device`` ('cuda' when available,
    else 'cpu') with ``model.cfg``.
    """
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmengine.runner import load_checkpoint

    import poselift_mm  # noqa: F401  (registrations, compat fixes)
    from mmpose.registry import MODELS

    if isinstance(config, (str, Path)):
        if not Path(config).is_file():
            raise ValueError(f'config file {str(config)!r} does not exist')
        cfg = Config.fromfile(str(config))
    elif isinstance(config, Config):
        cfg = copy.deepcopy(config)
    else:
        raise TypeError('config must be a file path or an mmengine Config, '
                        f'got {type(config).__name__}')
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if 'model' not in cfg:
        raise ValueError(f'config {getattr(cfg, "filename", None)!r} has no '
                         "'model' entry")
    if checkpoint is not None and not Path(checkpoint).is_file():
        raise ValueError(f'checkpoint file {str(checkpoint)!r} does not '
                         'exist')
    resolve_model_files(cfg, checkpoint)
    init_default_scope('mmpose')
    model = MODELS.build(cfg.model)
    if checkpoint is not None:
        try:
            load_checkpoint(model, str(checkpoint), map_location='cpu',
                            strict=True)
        except RuntimeError as err:  # strict mismatch, unreadable file
            raise ValueError(
                f'checkpoint {str(checkpoint)!r} cannot be loaded into the '
                f'model of config {getattr(cfg, "filename", None)!r}: '
                + ' '.join(str(err).split())) from None
    model.cfg = cfg
    if device is None:
        device = 'cuda' if torch.cuda.is_available() else 'cpu'
    model.to(device)
    model.eval()
    return model


def video_windows(num_frames: int, window: int):
    """Offline windows covering ``num_frames`` frames.

    Non-overlapping windows of ``window`` frames; when ``num_frames`` is
    not a multiple, the last window is re-anchored to end at the last frame
    (it overlaps its predecessor); when ``num_frames < window`` the single
    window repeats the last frame at its end. Returns ``index`` (W, window)
    frame indices, and for each frame ``owner`` (N,) the window whose
    result it takes and ``offset`` (N,) its position in that window.
    """
    n, t = int(num_frames), int(window)
    if n < 1 or t < 1:
        raise ValueError(f'video_windows: need num_frames >= 1 and window '
                         f'>= 1, got {n}, {t}')
    starts = np.arange(n // t) * t
    if n % t:
        starts = np.append(starts, max(n - t, 0))
    index = np.minimum(starts[:, None] + np.arange(t), n - 1)
    frames = np.arange(n)
    owner = np.minimum(frames // t, len(starts) - 1)
    return index, owner, frames - starts[owner]


def _test_pipeline(cfg):
    from mmengine.dataset import Compose
    from mmpose.registry import TRANSFORMS

    pipeline = None
    for loader in ('test_dataloader', 'val_dataloader'):
        ds = (cfg.get(loader) or {}).get('dataset') or {}
        pipeline = ds.get('pipeline')
        if pipeline:
            break
    pipeline = pipeline or cfg.get('test_pipeline')
    if not pipeline:
        raise ValueError(f'config {getattr(cfg, "filename", None)!r}: no '
                         'test_dataloader.dataset.pipeline to build the '
                         'samples with')
    return Compose([TRANSFORMS.build(t) if isinstance(t, Mapping) else t
                    for t in pipeline])


def _field(pred, key, shape):
    value = pred.get(key) if hasattr(pred, 'get') else None
    return None if value is None else np.asarray(
        value, dtype=np.float32).reshape(shape)


# ---- lifting -----------------------------------------------------------------
@torch.no_grad()
def lift_keypoints(keypoints,
                   scores=None,
                   model=None,
                   image_size: Optional[Sequence[float]] = None,
                   intrinsics: Optional[Union[dict, np.ndarray]] = None,
                   keypoint_format: str = 'auto',
                   batch_size: int = 1024,
                   max_gap: Optional[int] = MAX_GAP,
                   progress: bool = True) -> dict:
    """Lift one person's 2D track (N, K, 2) px to (N, 17, 3) metres.

    Args:
        keypoints: (N, K, 2) pixels of N frames of ONE person. With
            ``keypoint_format='auto'``, K = 17 is COCO-17 or Human3.6M-17
            as the geometry says (:mod:`poselift_mm.geometry.
            format_detection`; a ``ValueError`` when it cannot tell: then
            pass ``'coco'`` or ``'h36m'``); 26 is Halpe-26, 136 full
            Halpe. Other formats are converted with
            :func:`~poselift_mm.geometry.keypoint_formats.convert_keypoints`.
        scores: (N, K) detector confidences (None: ones). A joint is
            missing when its position is NaN or its score 0
            (:mod:`poselift_mm.geometry.missing`): gaps of at most
            ``max_gap`` frames are interpolated over time, the rest get
            score 0, which every lifter honours (ZeDO: no weight, no ray;
            DiffPose: the joint is put on its parent, as in the detector-
            noise training). A frame with no joint given has no person.
            The scores become the samples' ``keypoints_visible``.
        model: from :func:`init_lifter` (needs ``model.cfg``).
        image_size: (w, h) px. Required by DiffPose (its 2D normalisation
            uses w, h); ZeDO uses it for a default pinhole when
            ``intrinsics`` is None.
        intrinsics: ``dict(f=(fx, fy), c=(cx, cy))`` px (optionally ``k``
            (3,), ``p`` (2,) distortion, used by ZeDO) or a 3x3 ``K``.
        batch_size: poses (frames) per ``model.test_step`` call.
        progress: a bar for long inputs (:mod:`poselift_mm.utils.progress`;
            False: a caller shows its own).

    Video models (``model.num_frames`` = T) get the offline windows of
    :func:`video_windows` (also with a causal config: its
    ``output_frame`` is ignored here); each frame's result comes from one
    window.
    Returns ``keypoints_3d`` (N, 17, 3) root-relative camera-frame metres
    (x right, y down, z forward; NaN in frames without a person),
    ``present`` (N,) bool (a person in the frame), ``filled`` (N, 17)
    bool (joints interpolated over time), ``keypoint_spread`` (N, 17) metres, the
    spread of the lifter's hypotheses, or None: no spread (the model gives
    none, or one hypothesis, whose spread is zero by construction),
    ``translation`` (N, 3) camera-frame root position in metres (only when
    the model gives it, ZeDO), ``keypoints_2d`` (N, 17, 2) px and
    ``keypoint_scores`` (N, 17): the input as the lifter got it
    (Human3.6M-17), ``keypoint_format='h36m'``, ``input_format`` (the
    input's format) and ``input_format_reason`` ('given', or how 'auto'
    chose it). :func:`poselift_mm.apis.output_schema.frames_from_lift`
    makes the results-file frames of it.
    """
    from mmengine.dataset import pseudo_collate
    from poselift_mm.utils.progress import progress_range  # long inputs
    if model is None:
        raise ValueError('lift_keypoints: model is required (see '
                         'init_lifter)')
    cfg = getattr(model, 'cfg', None)
    if cfg is None:
        raise ValueError('lift_keypoints: the model has no .cfg (build it '
                         'with init_lifter, or set model.cfg to its Config)')
    if int(batch_size) < 1:
        raise ValueError(f'batch_size must be >= 1, got {batch_size}')
    track = prepare_track(keypoints, scores, keypoint_format, max_gap,
                          image_size)
    kp, sc, fmt, how = (track[key] for key in ('keypoints', 'scores',
                                                'format', 'how'))
    n = len(kp)

    cam = camera_param(image_size, intrinsics)
    if getattr(model, 'input_space', 'screen') == 'pixel':
        if image_size is None and intrinsics is None:
            raise ValueError(
                f'lift_keypoints: {type(model).__name__} works on the 2D '
                "keypoints' camera rays and needs the camera: give "
                'intrinsics '
                '(f, c in px) or at least image_size=(w, h) (then a '
                'pinhole with f = image diagonal is assumed)')
    elif image_size is None:
        name = type(model).__name__
        raise ValueError(
            f'lift_keypoints: {name} normalises the 2D by the image size '
            '(u = 2x/w - 1, v = 2y/w - h/w): give image_size=(w, h)')

    t = getattr(model, 'num_frames', None) or 1
    index, owner, offset = video_windows(n, t)
    pipeline = _test_pipeline(cfg)
    per_call = max(1, int(batch_size) // t)
    joints = kp.shape[1]
    root = int(getattr(model, 'root_index', 0))
    kp3d, spread, trans = [], [], []
    was_training = model.training
    model.eval()  # no dropout, whatever mode the caller left it in
    # a causal (online) video config outputs one frame per window; offline
    # every window gives all its frames (restored below)
    test_cfg = getattr(model, 'test_cfg', None)
    keep = test_cfg.get('output_frame') if isinstance(test_cfg, dict) \
        else None
    if keep is not None:
        test_cfg['output_frame'] = None
    try:
        starts = progress_range(len(index), per_call) if progress else \
            range(0, len(index), per_call)
        for b0 in starts:
            samples = []
            for idx in index[b0:b0 + per_call]:
                vis = sc[idx]
                sample = pipeline(dict(
                    keypoints=kp[idx], keypoints_visible=vis,
                    lifting_target=np.zeros((t, joints, 3), np.float32),
                    lifting_target_visible=np.ones((t, joints), np.float32),
                    camera_param=copy.deepcopy(cam), id=int(idx[0]),
                    category_id=1, target_img_path=f'frame_{int(idx[0])}'))
                samples.append(sample)
            for ds in model.test_step(pseudo_collate(samples)):
                pred = ds.pred_instances
                kp3d.append(_field(pred, 'keypoints', (t, joints, 3)))
                spread.append(_field(pred, 'keypoint_spread', (t, joints)))
                trans.append(_field(pred, 'translation', (t, 3)))
    finally:
        model.train(was_training)
        if keep is not None:
            test_cfg['output_frame'] = keep
    kp3d = np.stack(kp3d)[owner, offset]
    kp3d = kp3d - kp3d[:, root:root + 1]
    kp3d[~track['present']] = np.nan
    # no spread: a window without one, or all zeros (one hypothesis)
    spread = None if any(v is None for v in spread) else \
        np.stack(spread)[owner, offset]
    if spread is not None and not spread.any():
        spread = None
    out = dict(keypoints_3d=kp3d, keypoint_spread=spread,
               keypoints_2d=kp, keypoint_scores=sc, keypoint_format='h36m',
               present=track['present'], filled=track['filled'],
               input_format=fmt, input_format_reason=how)
    if all(v is not None for v in trans):
        out['translation'] = np.stack(trans)[owner, offset]
        behind = track['present'] & ~(out['translation'][:, 2] > 0)
        if behind.any():
            raise ValueError(
                f'the fitted root is at or behind the camera in frames '
                f'{frame_list(behind)}: the 2D or the camera is implausible '
                '(check the intrinsics, image_size and keypoint units)')
    return out
