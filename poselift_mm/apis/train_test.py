"""Training and testing from a config, the MMPose way
(``tools/train.py``, ``tools/test.py``): the command-line arguments (an
``argparse.Namespace`` with the options of
:func:`~poselift_mm.utils.launch.add_common_args`) applied to the config,
then mmengine's ``Runner``. Bad arguments exit with ``error: ...``
(``SystemExit``), as the tools did.

The arguments mean what MMPose 1.3.2's tools mean: ``--out`` the metrics
(.json / .yaml), ``--dump`` the predictions (.pkl), ``--show-dir`` /
``--show`` / ``--interval`` / ``--wait-time`` the drawings, ``--badcase``
the bad-case analysis. For lifters (no image behind a sample) the
drawings are :class:`~poselift_mm.apis.runner_hooks.LiftingVisualizationHook`
(2D input beside the 3D prediction and the ground truth) instead of
MMPose's image hooks; other models get MMPose's hooks as its tools set
them. Outputs are written atomically. Test runs log their progress
(:class:`~poselift_mm.apis.runner_hooks.TestProgressHook`).
"""
import os
import os.path as osp
import sys

__all__ = ['train_config', 'test_config', 'train', 'test', 'is_lifter',
           'OUT_FORMATS', 'DUMP_FORMATS']

OUT_FORMATS = ('.json', '.yaml', '.yml')  # --out: metrics
DUMP_FORMATS = ('.pkl', '.pickle')  # --dump: predictions (DumpResults)


def _usage(message: str):
    from poselift_mm.utils.launch import UsageError
    return UsageError(message)


def check_outputs(args) -> None:
    """Refuse output arguments in the wrong format before anything runs.
    ``--out x.pkl`` (this tool's former meaning: predictions) is read as
    ``--dump x.pkl`` with a message saying so, never silently; with
    ``--dump`` also given it is refused."""
    out = getattr(args, 'out', None)
    dump = getattr(args, 'dump', None)
    if out and out.endswith(DUMP_FORMATS):
        moved = (f'--out now writes the test metrics (MMPose\'s meaning: '
                 f'{"/".join(OUT_FORMATS)}) and --dump the predictions '
                 'pickle')
        if dump:
            raise _usage(f'--out {out}: {moved}; give the metrics file a '
                         f'{"/".join(OUT_FORMATS)} name')
        print(f'warning: --out {out}: {moved}; writing the predictions as '
              f'--dump {out} would (use --dump from now on)',
              file=sys.stderr, flush=True)
        args.dump, args.out = out, None
        return check_outputs(args)
    if out and not out.endswith(OUT_FORMATS):
        raise _usage(f'--out {out}: the metrics file must end with one of '
                     f'{", ".join(OUT_FORMATS)}')
    if dump and not dump.endswith(DUMP_FORMATS):
        raise _usage(f'--dump {dump}: the predictions file must end with '
                     f'{" or ".join(DUMP_FORMATS)}')
    if getattr(args, 'show', False) and sys.platform.startswith('linux') \
            and not (os.environ.get('DISPLAY') or
                     os.environ.get('WAYLAND_DISPLAY')):
        raise _usage('--show opens a window and there is no display here '
                     '(DISPLAY is not set); use --show-dir DIR to write '
                     'the drawings')


def is_lifter(cfg) -> bool:
    """Whether the config's model is a 2D-to-3D lifter (MMPose's
    ``PoseLifter`` or ours): its samples have no image to draw on."""
    from mmengine.registry import init_default_scope
    from mmpose.models.pose_estimators import PoseLifter
    from mmpose.registry import MODELS

    import poselift_mm  # noqa: F401  (registrations)
    from poselift_mm.models.pose_estimators.base_lifter import BaseLifter
    init_default_scope(cfg.get('default_scope', 'mmpose'))
    model_type = (cfg.get('model') or {}).get('type')
    cls = MODELS.get(model_type) if isinstance(model_type, str) else \
        model_type
    return isinstance(cls, type) and issubclass(cls, (PoseLifter, BaseLifter))


def _mmpose_show(cfg, args, test: bool) -> None:
    """MMPose's tools' ``merge_args`` for visualisation and bad cases
    (models with images)."""
    show, show_dir = args.show, args.show_dir
    badcase = test and getattr(args, 'badcase', False)
    hooks = cfg.get('default_hooks') or {}
    if (show and not badcase) or show_dir is not None:
        if 'visualization' not in hooks:
            raise _usage('--show/--show-dir: the config has no '
                         'default_hooks.visualization (PoseVisualizationHook)')
        vis = hooks['visualization']
        vis.enable = True
        vis.show = False if badcase else show
        if show:
            vis.wait_time = args.wait_time
        vis.out_dir = show_dir
        vis.interval = args.interval
    if badcase:
        if 'badcase' not in hooks:
            raise _usage('--badcase: the config has no default_hooks.badcase '
                         '(BadCaseAnalysisHook)')
        bad = hooks['badcase']
        bad.enable, bad.show = True, show
        if show:
            bad.wait_time = args.wait_time
        bad.interval = args.interval
        metric_type = bad.get('metric_type', 'loss')
        if metric_type not in ('loss', 'accuracy'):
            raise _usage("--badcase: default_hooks.badcase.metric_type must "
                         f"be 'loss' or 'accuracy', not {metric_type!r}")
        if not bad.get('metric'):
            bad.metric = cfg.model.head.loss if metric_type == 'loss' \
                else cfg.test_evaluator


def show_hooks(cfg, args, test: bool) -> list:
    """The drawing hooks of --show / --show-dir / --badcase: our
    :class:`LiftingVisualizationHook` instances for lifters (returned, to
    register on the runner); for other models MMPose's hooks are switched
    on in ``cfg`` (nothing returned)."""
    show = getattr(args, 'show', False)
    show_dir = getattr(args, 'show_dir', None)
    badcase = test and getattr(args, 'badcase', False)
    if not (show or show_dir is not None or badcase):
        return []
    if not is_lifter(cfg):
        _mmpose_show(cfg, args, test)
        return []
    from poselift_mm.apis.runner_hooks import LiftingVisualizationHook
    hooks = []
    if badcase:  # as MMPose: the window shows the bad cases only
        hooks.append(LiftingVisualizationHook(
            out_dir='badcase', show=show, wait_time=args.wait_time,
            badcase_thr=args.badcase_thr))
    if show_dir is not None or (show and not badcase):
        hooks.append(LiftingVisualizationHook(
            out_dir=show_dir, show=show and not badcase,
            wait_time=args.wait_time, interval=args.interval))
    return hooks


def train_config(args):
    """The config of ``args.config`` with --cfg-options, --no-validate,
    --amp, --resume [CKPT], --auto-scale-lr and the launcher applied."""
    from poselift_mm.utils.launch import load_config, setup_launcher
    cfg = load_config(args)
    if args.no_validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    if args.amp:
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif args.resume:
        if not osp.isfile(args.resume):
            raise _usage(f'checkpoint {args.resume!r} does not exist')
        cfg.resume, cfg.load_from = True, args.resume
    if args.auto_scale_lr:
        cfg.auto_scale_lr.enable = True
    setup_launcher(cfg, args.launcher)
    return cfg


def resume_latest(cfg) -> None:
    """``--resume`` without a file: continue from
    :func:`~poselift_mm.utils.checkpoint.latest_checkpoint` of the work dir
    (an empty or stale ``last_checkpoint`` is warned about, not a
    traceback); with none, train from scratch."""
    from poselift_mm.utils.checkpoint import latest_checkpoint
    found = latest_checkpoint(cfg.work_dir)
    cfg.resume, cfg.load_from = found is not None, found


def _partial(path: str) -> str:
    """Where ``DumpResults`` writes before the file is renamed into
    place: beside ``path``, same suffix (DumpResults checks it)."""
    folder, name = osp.split(osp.abspath(path))
    stem, ext = osp.splitext(name)
    return osp.join(folder, f'.{stem}.partial{ext}')


def test_config(args):
    """The config of ``args.config`` loading ``args.checkpoint``, with
    --cfg-options, --dump (a ``DumpResults`` evaluator writing
    :func:`_partial`, renamed by :func:`test`) and the launcher."""
    from poselift_mm.utils.launch import load_config, setup_launcher
    if not osp.isfile(args.checkpoint):
        raise _usage(f'checkpoint file {args.checkpoint!r} does not exist')
    cfg = load_config(args)
    cfg.load_from = args.checkpoint
    dump = getattr(args, 'dump', None)
    if dump:
        os.makedirs(osp.dirname(osp.abspath(dump)), exist_ok=True)
        cfg.test_evaluator = list(cfg.test_evaluator) if isinstance(
            cfg.test_evaluator, (list, tuple)) else [cfg.test_evaluator]
        cfg.test_evaluator.append(dict(type='DumpResults',
                                       out_file_path=_partial(dump)))
    setup_launcher(cfg, args.launcher)
    return cfg


def _build_runner(cfg, args, loop: str):
    """mmengine's ``Runner`` of ``cfg`` with its ``loop`` ('train_loop' or
    'test_loop', with its data loader and dataset) built: a config value
    of the wrong type or an unknown name fails here, as a ``ToolError``
    naming the config, not a traceback from deep inside mmengine."""
    from mmengine.runner import Runner
    try:
        runner = Runner.from_cfg(cfg)
        getattr(runner, loop)
    except (TypeError, ValueError, KeyError, AttributeError,
            AssertionError) as err:
        from poselift_mm.utils.checkpoint import CheckpointError
        if isinstance(err, CheckpointError):
            raise
        what = f'{type(err).__name__}: {err}'.splitlines()[0][:300]
        given = ' '.join(f'{k}={v!r}' for k, v in
                         (getattr(args, 'cfg_options', None) or {}).items())
        raise _usage(f'{args.config} does not build ({what})' + (
            f'; check the values of --cfg-options {given}' if given else
            '')) from err
    return runner


def train(args):
    """Train (``tools/train.py``): in a work dir no other training holds
    (:func:`~poselift_mm.utils.launch.work_dir_lock`), trusting
    checkpoints (--resume, load_from) only with --trust-checkpoint, and
    resuming mid-epoch exactly
    (:func:`~poselift_mm.engine.exact_resume.use_exact_resume`)."""
    import poselift_mm  # noqa: F401  (registers modules, applies fixes)
    from poselift_mm.engine.exact_resume import use_exact_resume
    from poselift_mm.utils.checkpoint import checkpoint_trust
    from poselift_mm.utils.launch import check_amp, work_dir_lock
    check_amp(args.amp)
    check_outputs(args)
    cfg = train_config(args)
    use_exact_resume(cfg)
    with work_dir_lock(cfg.work_dir), \
            checkpoint_trust(args.trust_checkpoint):
        if args.resume == 'auto':
            resume_latest(cfg)
        hooks = show_hooks(cfg, args, test=False)
        runner = _build_runner(cfg, args, 'train_loop')
        for hook in hooks:
            runner.register_hook(hook)
        runner.train()


def test(args):
    """Test (``tools/test.py``): the checkpoint must fit the model first;
    writes --out (metrics) and --dump (predictions) atomically; returns
    the metrics. Checkpoints are unpickled fully only with
    --trust-checkpoint."""
    from poselift_mm.utils.checkpoint import checkpoint_trust
    check_outputs(args)
    with checkpoint_trust(args.trust_checkpoint):
        return _test(args)


def _test(args):
    from mmengine.dist import is_main_process

    import poselift_mm  # noqa: F401  (registers modules, applies fixes)
    from poselift_mm.apis.runner_hooks import (SaveMetricsHook,
                                               TestProgressHook)
    from poselift_mm.utils.checkpoint import (CheckpointError,
                                              check_checkpoint_fits)
    cfg = test_config(args)
    hooks = show_hooks(cfg, args, test=True) + [TestProgressHook()]
    out = getattr(args, 'out', None)
    if out:
        hooks.append(SaveMetricsHook(out))
    runner = _build_runner(cfg, args, 'test_loop')
    model = getattr(runner.model, 'module', runner.model)
    try:
        check_checkpoint_fits(model, args.checkpoint)
    except CheckpointError:
        raise
    except ValueError as err:
        raise _usage(str(err)) from None
    for hook in hooks:
        runner.register_hook(hook)
    dump = getattr(args, 'dump', None)
    partial = _partial(dump) if dump else None
    try:
        metrics = runner.test()
        if partial and is_main_process():
            os.replace(partial, dump)  # complete: into place at once
            runner.logger.info(f'predictions written to {dump}')
    finally:
        if partial and is_main_process() and osp.exists(partial):
            os.remove(partial)
    return metrics
