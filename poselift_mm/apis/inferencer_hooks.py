"""poselift_mm behind MMPose's own ``MMPoseInferencer``: model aliases and
the 2D a lifter needs, each one explicit, idempotent, version-checked call
(like :func:`poselift_mm.apis.tracks.enable_persistent_tracks`; nothing in
site-packages is edited, nothing happens on import).

* :func:`enable_model_aliases`: MMPose's ``Pose3DInferencer`` resolves a
  model name through mmengine's ``_load_model_from_metafile`` in the scope
  'mmpose', which reads MMPose's own model index only, so
  ``MMPoseInferencer(pose3d='zedo')`` fails with "Cannot find model". The
  call makes it look up poselift_mm's metafiles first (names and
  ``Alias``), with the config's repository paths and the packaged weights
  made absolute (:func:`poselift_mm.apis.model_zoo.resolve_lifter`).
* :func:`enable_lifter_inputs`: ``Pose3DInferencer`` moves every person's
  2D to Human3.6M bbox statistics unless ``disable_norm_pose_2d=True``.
  A 'pixel' lifter (ZeDO: it optimises against the rays of the real
  image's pixels) fed that 2D is silently wrong (its 3D moved by 57 mm
  on average where this was reported). After the call the argument
  follows the lifter's ``input_space`` when it is not given, and an
  explicit ``disable_norm_pose_2d=False`` for a pixel lifter is refused
  with a ``ValueError``. Without the call, a pixel lifter still cannot
  be fed normalised 2D unnoticed: its ``dataset_meta`` box statistics are
  guards that raise naming both remedies
  (:class:`~poselift_mm.models.pose_estimators.base_lifter.PixelStatsGuard`).

:func:`enable_mmpose_inferencer` makes both calls and the track fix; it is
what ``build_inferencer``, ``run_inferencer`` and ``tools/demo.py`` call
(``tools/lift.py`` uses no inferencer: it resolves aliases through
:mod:`poselift_mm.apis.model_zoo`). Users of a plain ``MMPoseInferencer``
call it once::

    from mmpose.apis import MMPoseInferencer
    from poselift_mm.apis import enable_mmpose_inferencer
    enable_mmpose_inferencer()
    inferencer = MMPoseInferencer(pose2d='human', pose3d='zedo')
    for result in inferencer('video.mp4'):
        ...
"""
import functools
import inspect
import warnings

from .tracks import FIXED_MMPOSE_VERSIONS, enable_persistent_tracks

__all__ = ['enable_model_aliases', 'enable_lifter_inputs',
           'enable_mmpose_inferencer', 'SEQ2SEQ_HINT']

SEQ2SEQ_HINT = ("MMPose's inferencer lifts one frame per step: use the "
                "causal video model (alias 'diffpose-video', same weights), "
                'or this one offline (tools/lift.py, lift_keypoints)')


def _pose3d_class():
    """``Pose3DInferencer``, or None (with a warning) on an MMPose version
    the hooks were not checked against."""
    import mmpose
    if not mmpose.__version__.startswith(FIXED_MMPOSE_VERSIONS):
        warnings.warn(
            f'poselift_mm inferencer hooks: MMPose {mmpose.__version__} is '
            f'not one of {FIXED_MMPOSE_VERSIONS} they were checked against; '
            'not applied', stacklevel=3)
        return None
    from mmpose.apis.inferencers.pose3d_inferencer import Pose3DInferencer
    return Pose3DInferencer


def _metafile_model(name: str):
    """(Config, weights) of a poselift_mm model name or alias; None when
    ``name`` is not one. A seq-to-seq window model is refused."""
    from .model_zoo import resolve_lifter, resolve_model
    try:
        info = resolve_model(name)
    except (KeyError, FileNotFoundError):
        return None
    cfg, weights = resolve_lifter(info.name)
    test_ds = (cfg.get('test_dataloader') or {}).get('dataset') or {}
    if test_ds.get('multiple_target', 0):
        raise ValueError(
            f'{name!r} ({info.name}) is a seq-to-seq window model; '
            f'{SEQ2SEQ_HINT}')
    return cfg, weights


def enable_model_aliases() -> bool:
    """Let ``Pose3DInferencer`` (``MMPoseInferencer(pose3d=...)``) take
    poselift_mm's model names and aliases (module doc). Returns whether the
    hook is in place; on an unchecked MMPose version it warns and changes
    nothing."""
    cls = _pose3d_class()
    if cls is None:
        return False
    if getattr(cls._load_model_from_metafile, '_poselift_aliases', False):
        return True
    original = cls._load_model_from_metafile

    @functools.wraps(original)
    def _load_model_from_metafile(self, model):
        found = _metafile_model(model) if isinstance(model, str) else None
        return found if found is not None else original(self, model)

    _load_model_from_metafile._poselift_aliases = True
    cls._load_model_from_metafile = _load_model_from_metafile
    return True


def _lifter_space(inferencer) -> str:
    return getattr(getattr(inferencer, 'model', None), 'input_space',
                   'screen')


def enable_lifter_inputs() -> bool:
    """Make ``Pose3DInferencer`` give a 'pixel' lifter pixels: the default
    of ``disable_norm_pose_2d`` becomes True for it, an explicit False is
    refused (module doc). Returns whether the hook is in place."""
    cls = _pose3d_class()
    if cls is None:
        return False
    if getattr(cls.preprocess_single, '_poselift_inputs', False):
        return True
    original = cls.preprocess_single
    signature = inspect.signature(original)

    @functools.wraps(original)
    def preprocess_single(self, *args, **kwargs):
        if _lifter_space(self) == 'pixel':
            given = signature.bind_partial(self, *args, **kwargs).arguments
            if 'disable_norm_pose_2d' not in given:
                kwargs['disable_norm_pose_2d'] = True
            elif not given['disable_norm_pose_2d']:
                raise ValueError(
                    f'disable_norm_pose_2d=False: {type(self.model).__name__}'
                    " works on the 2D keypoints' camera rays and needs the "
                    "pixels of the image; MMPose's H36M bbox normalisation "
                    'would move them, and the 3D with them. Leave '
                    'disable_norm_pose_2d out or pass True')
        return original(self, *args, **kwargs)

    preprocess_single._poselift_inputs = True
    cls.preprocess_single = preprocess_single
    return True


def enable_mmpose_inferencer() -> bool:
    """The one call for ``MMPoseInferencer`` users: model aliases, the
    lifter's 2D input space and persistent track ids
    (:func:`~poselift_mm.apis.tracks.enable_persistent_tracks`). Returns
    whether all three are in place."""
    results = [enable_model_aliases(), enable_lifter_inputs(),
               enable_persistent_tracks()]
    return all(results)
