"""Training and testing from a config, the MMPose way
(``tools/train.py``, ``tools/test.py``): the command-line arguments (an
``argparse.Namespace`` with the options of
:func:`~poselift_mm.utils.launch.add_common_args`) applied to the config,
then mmengine's ``Runner``. Bad arguments exit with ``error: ...``
(``SystemExit``), as the tools did."""
import os.path as osp
import pickle
import sys

__all__ = ['train_config', 'test_config', 'train', 'test']


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
            sys.exit(f'error: checkpoint {args.resume!r} does not exist')
        cfg.resume, cfg.load_from = True, args.resume
    if args.auto_scale_lr:
        cfg.auto_scale_lr.enable = True
    setup_launcher(cfg, args.launcher)
    return cfg


def test_config(args):
    """The config of ``args.config`` loading ``args.checkpoint``, with
    --cfg-options, --out (a ``DumpResults`` evaluator) and the launcher."""
    from poselift_mm.utils.launch import load_config, setup_launcher
    if not osp.isfile(args.checkpoint):
        sys.exit(f'error: checkpoint file {args.checkpoint!r} does not exist')
    cfg = load_config(args)
    cfg.load_from = args.checkpoint
    if args.out:
        cfg.test_evaluator = list(cfg.test_evaluator) if isinstance(
            cfg.test_evaluator, (list, tuple)) else [cfg.test_evaluator]
        cfg.test_evaluator.append(dict(type='DumpResults',
                                       out_file_path=args.out))
    setup_launcher(cfg, args.launcher)
    return cfg


def train(args):
    """Train (``tools/train.py``)."""
    from mmengine.runner import Runner

    import poselift_mm  # noqa: F401  (registers modules, applies fixes)
    from poselift_mm.utils import trust_checkpoints
    from poselift_mm.utils.launch import check_amp
    check_amp(args.amp)
    if args.trust_checkpoint:
        trust_checkpoints()
    runner = Runner.from_cfg(train_config(args))
    runner.train()


def test(args):
    """Test (``tools/test.py``): the checkpoint must fit the model first;
    returns the metrics."""
    from mmengine.runner import Runner

    import poselift_mm  # noqa: F401  (registers modules, applies fixes)
    from poselift_mm.utils import trust_checkpoints
    from poselift_mm.utils.checkpoint import check_checkpoint_fits
    if args.trust_checkpoint:
        trust_checkpoints()
    runner = Runner.from_cfg(test_config(args))
    model = getattr(runner.model, 'module', runner.model)
    try:
        check_checkpoint_fits(model, args.checkpoint)
    except (ValueError, pickle.UnpicklingError) as err:
        sys.exit(f'error: {err}')
    return runner.test()
