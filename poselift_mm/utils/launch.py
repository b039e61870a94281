"""What the tools share: device checks and distributed set-up that also
works on machines without a GPU (``tools/train.py``, ``tools/test.py``),
:func:`quiet_warnings`, which every entry point calls first, and the one
way a tool reports a user's mistake: a :class:`ToolError` (or a
:class:`~poselift_mm.utils.checkpoint.CheckpointError`) becomes one
``error: ...`` line on stderr and exit code 2 (:func:`run_tool`), never a
traceback (unless ``POSELIFT_TRACEBACK=1`` is set, for debugging)."""
import argparse
import contextlib
import os
import os.path as osp
import re
import sys
import warnings
from pathlib import Path

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


class ToolError(ValueError):
    """A problem the user can fix (bad argument, file, config value): the
    tool prints ``error: <message>`` and exits with code 2
    (:func:`run_tool`)."""


class UsageError(ToolError):
    """A command-line mistake (a :class:`ToolError`)."""


def tool_name(argv0=None) -> str:
    """The command the user ran, for messages: ``tools/<name>.py`` for a
    script in a ``tools/`` folder (also mim's copy), else the script's file
    name, ``python`` for ``python -c`` / the REPL."""
    argv0 = sys.argv[0] if argv0 is None else argv0
    if not argv0 or argv0 in ('-c', '-'):
        return 'python'
    path = Path(argv0)
    if path.parent.name == 'tools':
        return f'tools/{path.name}'
    return path.name


def run_tool(main, argv=None, errors=()) -> int:
    """Exit status of ``main(argv)``: 0 when it returns (its value, when it
    is an int), 2 after printing ``error: <message>`` on stderr when it
    raises a :class:`ToolError`, a ``CheckpointError`` or one of
    ``errors``."""
    from poselift_mm.utils.checkpoint import CheckpointError
    try:
        out = main(argv)
    except (ToolError, CheckpointError) + tuple(errors) as err:
        if os.environ.get('POSELIFT_TRACEBACK'):
            raise
        print(f'error: {err}', file=sys.stderr, flush=True)
        return 2
    return out if isinstance(out, int) and not isinstance(out, bool) else 0


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


LOCK_NAME = '.train.lock'
_RANK_VARS = ('RANK', 'SLURM_PROCID', 'OMPI_COMM_WORLD_RANK', 'PMI_RANK')


def launcher_rank() -> int:
    """This process's rank as its launcher set it in the environment (0
    when started alone)."""
    for var in _RANK_VARS:
        if os.environ.get(var, '').isdigit():
            return int(os.environ[var])
    return 0


def _lock_holder(fd: int) -> str:
    os.lseek(fd, 0, os.SEEK_SET)
    return os.read(fd, 64).decode(errors='replace').strip() or '?'


@contextlib.contextmanager
def work_dir_lock(work_dir: str, purpose: str = 'training'):
    """Hold ``work_dir/.train.lock`` for the block, so two trainings never
    share a work dir (its checkpoints, ``last_checkpoint`` and timestamp
    folders). The file holds the holder's PID; the lock itself is an
    ``flock``, which the kernel drops when its process dies, so the lock of
    a killed run is taken over (its PID overwritten). Raises
    :class:`ToolError` naming the PID when a live process holds it. Only
    rank 0 of a launcher locks; without ``fcntl`` (Windows) nothing is
    locked."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on Linux/macOS
        fcntl = None
    if fcntl is None or launcher_rank() != 0:
        yield None
        return
    os.makedirs(work_dir, exist_ok=True)
    path = osp.join(work_dir, LOCK_NAME)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise ToolError(
                f'work dir {work_dir} is in use by another {purpose} (PID '
                f'{_lock_holder(fd)}, lock file {path}); wait for it to '
                'finish or choose another --work-dir') from None
        stale = _lock_holder(fd)
        if stale not in ('?', str(os.getpid())):
            print(f'warning: taking over the lock {path} of PID {stale}, '
                  'which is no longer running', file=sys.stderr, flush=True)
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, f'{os.getpid()}\n'.encode())
        try:
            yield path
        finally:
            os.ftruncate(fd, 0)  # released: no PID left behind
    finally:
        os.close(fd)  # closing drops the flock
