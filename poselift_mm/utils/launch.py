"""What the tools share: device checks and distributed set-up that also
works on machines without a GPU (``tools/train.py``, ``tools/test.py``),
and :func:`quiet_warnings`, which every entry point calls first."""
import argparse
import os
import os.path as osp
import re
import warnings

import torch
import torch.distributed as dist


# Third-party warnings our entry points silence: (start of the message,
# category). Each names one known, harmless message; nothing else is
# filtered.
QUIET_WARNINGS = (
    # setuptools >= 67.5 on `import pkg_resources`: mmengine's
    # package_utils imports (and reloads) it for every `mmpose::` config
    # and every is_installed() check, so one run printed it several times
    ('pkg_resources is deprecated as an API', UserWarning),
)


def quiet_warnings() -> None:
    """Silence the known third-party warnings of :data:`QUIET_WARNINGS` in
    this process (idempotent: ``warnings`` keeps one copy of a filter)."""
    for message, category in QUIET_WARNINGS:
        warnings.filterwarnings('ignore', message=re.escape(message),
                                category=category)


class UsageError(SystemExit):
    """A command-line mistake: exits (status 1) printing ``error: message``."""

    def __init__(self, message: str):
        super().__init__(f'error: {message}')


def check_amp(amp: bool) -> None:
    if amp and not torch.cuda.is_available():
        raise UsageError(
            '--amp (automatic mixed precision) needs a CUDA GPU and none is '
            'available here; run without --amp on the CPU')


def setup_launcher(cfg, launcher: str) -> None:
    """Make ``launcher != 'none'`` work on the CPU: torch's gloo backend and a
    DDP wrapper without device ids. On GPUs the config is left as it is."""
    cfg.launcher = launcher
    if launcher == 'none' or torch.cuda.is_available():
        return
    if launcher != 'pytorch':
        raise UsageError(
            f'--launcher {launcher} without a GPU is not supported; use '
            '--launcher pytorch (tools/dist_train.sh) with the gloo backend')
    cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
    cfg.env_cfg.dist_cfg['backend'] = 'gloo'
    wrapper = dict(cfg.get('model_wrapper_cfg') or {})
    wrapper.setdefault('type', 'MMDistributedDataParallel')
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper
    if not dist.is_initialized():
        # mmengine's init_dist calls torch.cuda.set_device, which fails
        # without a GPU; a process group made here makes it skip that.
        dist.init_process_group(
            backend='gloo',
            rank=int(os.environ['RANK']),
            world_size=int(os.environ['WORLD_SIZE']))


def add_common_args(parser: argparse.ArgumentParser) -> None:
    """Arguments shared by tools/train.py and tools/test.py."""
    from mmengine.config import DictAction
    parser.add_argument('--work-dir', help='where logs and outputs go')
    parser.add_argument(
        '--trust-checkpoint', action='store_true',
        help='allow full unpickling of checkpoints (only for trusted files)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries, key=value')
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch', 'slurm', 'mpi'])
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def add_show_args(parser: argparse.ArgumentParser) -> None:
    """MMPose's drawing arguments (tools/train.py: validation samples;
    tools/test.py: test samples). For lifters the drawings are the 2D
    input beside the 3D prediction and ground truth
    (``poselift_mm.apis.runner_hooks``)."""
    parser.add_argument(
        '--show-dir', help='directory where the drawings are saved '
        '(relative: under WORK_DIR/TIMESTAMP/)')
    parser.add_argument('--show', action='store_true',
                        help='display the drawings in a window')
    parser.add_argument('--interval', type=int, default=1,
                        help='draw every INTERVAL-th sample (validation: '
                        'batch)')
    parser.add_argument('--wait-time', type=float, default=1,
                        help='seconds each shown drawing stays up')


def load_config(args):
    """Config from ``args.config`` with ``--cfg-options`` and the work dir
    (CLI > config > ``work_dirs/<config name>``) applied."""
    from mmengine.config import Config
    if not osp.isfile(args.config):
        raise UsageError(f'config file {args.config!r} does not exist')
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    cfg.work_dir = args.work_dir or cfg.get('work_dir') or osp.join(
        'work_dirs', osp.splitext(osp.basename(args.config))[0])
    return cfg
