"""What ``tools/train.py`` and ``tools/test.py`` share: device checks and
distributed set-up that also works on machines without a GPU."""
import os

import torch
import torch.distributed as dist


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
