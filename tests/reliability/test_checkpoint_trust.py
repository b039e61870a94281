"""Trusting a checkpoint (full unpickling, which can run code) is a
per-call opt-in: never process-wide, never through the environment, and a
shell's TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD does not switch it on. Each
hostile file writes a marker when unpickled; the marker must stay absent."""
import os
import re
import threading

import numpy as np
import pytest
from mmengine.runner.checkpoint import CheckpointLoader, _load_checkpoint
from reliability_helpers import (CFG, PY, REPO, data_options, one_error_line,
                                 run, save_evil_checkpoint)

import poselift_mm  # noqa: F401  (registers the safe loader)
from poselift_mm.utils import checkpoint_trust, load_checkpoint_safe
from poselift_mm.utils.checkpoint import UnsafeCheckpointError

FORCE = 'TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD'


@pytest.fixture
def evil(tmp_path):
    marker = tmp_path / 'code_ran.txt'
    return save_evil_checkpoint(tmp_path / 'evil.pth', marker), marker


@pytest.mark.parametrize('shell_forces', [False, True])
def test_refused_without_trust_even_if_the_shell_forces_full_loads(
        evil, monkeypatch, shell_forces):
    path, marker = evil
    if shell_forces:
        monkeypatch.setenv(FORCE, '1')
    else:
        monkeypatch.delenv(FORCE, raising=False)
    with pytest.raises(UnsafeCheckpointError, match='--trust-checkpoint'):
        load_checkpoint_safe(path)
    with pytest.raises(UnsafeCheckpointError):  # mmengine's own loads
        _load_checkpoint(str(path), map_location='cpu')
    with pytest.raises(UnsafeCheckpointError):
        CheckpointLoader.load_checkpoint(str(path), map_location='cpu')
    assert not marker.exists()


def test_trust_covers_one_call_only(evil, monkeypatch):
    path, marker = evil
    monkeypatch.delenv(FORCE, raising=False)
    ckpt = load_checkpoint_safe(path, trust=True)
    assert marker.exists() and float(ckpt['state_dict']['w']) == 1.
    marker.unlink()
    with pytest.raises(UnsafeCheckpointError):
        load_checkpoint_safe(path)
    with pytest.raises(UnsafeCheckpointError):
        _load_checkpoint(str(path), map_location='cpu')
    assert not marker.exists()
    assert FORCE not in os.environ


def test_trust_block_is_scoped_and_per_thread(evil, monkeypatch):
    path, marker = evil
    monkeypatch.delenv(FORCE, raising=False)
    outcome = {}

    def other_thread():
        try:
            _load_checkpoint(str(path), map_location='cpu')
            outcome['loaded'] = True
        except UnsafeCheckpointError:
            outcome['loaded'] = False

    with checkpoint_trust(True):
        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join()
        assert outcome == {'loaded': False} and not marker.exists()
        _load_checkpoint(str(path), map_location='cpu')  # this block: yes
        assert marker.exists()
    marker.unlink()
    with pytest.raises(UnsafeCheckpointError):  # the block has ended
        _load_checkpoint(str(path), map_location='cpu')
    assert not marker.exists()


def test_no_module_sets_the_force_variable():
    """Nothing in the package or the tools writes the variable (which
    would make every later load in the process, or in child processes,
    unsafe)."""
    setter = re.compile(
        r'environ\s*\[\s*[\'"]' + FORCE + r'[\'"]\s*\]\s*=|'
        r'(setdefault|putenv|update)\([^)]*' + FORCE)
    offenders = [str(p.relative_to(REPO)) for folder in ('poselift_mm',
                                                         'tools')
                 for p in (REPO / folder).rglob('*.py')
                 if setter.search(p.read_text())]
    assert not offenders


def test_tools_refuse_a_hostile_checkpoint_under_a_forcing_shell(
        evil, data_root, tmp_path):
    """tools/test.py (its fit check and mmengine's load), tools/train.py
    --resume (mmengine's resume) and tools/lift.py (init_model) under a
    shell with TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1: one error line naming
    the tool and the opt-in, no code run."""
    path, marker = evil
    env = {FORCE: '1'}
    opts = ['--cfg-options'] + data_options(data_root)
    proc = run([PY, 'tools/test.py', str(CFG), str(path), '--work-dir',
                str(tmp_path / 'test')] + opts, env)
    line = one_error_line(proc)
    assert 'rerun tools/test.py with --trust-checkpoint' in line
    proc = run([PY, 'tools/train.py', str(CFG), '--work-dir',
                str(tmp_path / 'train'), '--resume', str(path)] + opts, env)
    line = one_error_line(proc)
    assert 'rerun tools/train.py with --trust-checkpoint' in line
    track = tmp_path / 'track.npz'
    np.savez(track, keypoints=np.random.default_rng(0).uniform(
        100, 900, (4, 17, 2)), dataset_name='h36m')
    proc = run([PY, 'tools/lift.py', str(track), str(CFG), str(path),
                '--out', str(tmp_path / 'out.json'), '--image-size', '1000',
                '1000'], env)
    assert proc.returncode == 2 and '--trust-checkpoint' in proc.stderr, \
        proc.stderr[-2000:]
    assert not marker.exists()
