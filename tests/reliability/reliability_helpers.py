"""What the reliability tests share: the tiny config and its data
overrides, a subprocess runner, the one-``error:``-line check and a
checkpoint whose unpickling writes a marker file (a stand-in for hostile
code)."""
import os
import subprocess
import sys
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[2]
CFG = REPO / 'configs/baselines/simplebaseline3d_tcn-1frm_synthetic-tiny.py'
PY = sys.executable


class Payload:
    """Unpickling it creates the file ``marker``."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, 'w'))


def save_evil_checkpoint(path, marker) -> Path:
    """A well-formed mmengine-like checkpoint whose meta runs code."""
    torch.save(dict(state_dict=dict(w=torch.ones(1)),
                    meta=dict(epoch=1, iter=1, note=Payload(marker))), path)
    return Path(path)


def data_options(data_root) -> list:
    return [f'{loader}.dataset.data_root={data_root}'
            for loader in ('train_dataloader', 'val_dataloader',
                           'test_dataloader')]


def run(args, env=None, timeout=600):
    """A subprocess in the repository; its CompletedProcess (text)."""
    return subprocess.run(args, cwd=REPO, capture_output=True, text=True,
                          timeout=timeout,
                          env={**os.environ, **(env or {})})


def one_error_line(proc) -> str:
    """The ``error: ...`` line of a failed tool run (exit code 2, no
    traceback)."""
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-3000:])
    assert 'Traceback' not in proc.stderr, proc.stderr[-3000:]
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith('error:')]
    assert len(lines) == 1, proc.stderr[-3000:]
    return lines[0]
