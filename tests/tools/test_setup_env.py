"""tools/setup_env.sh fails early with a clear message, and is idempotent."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / 'tools' / 'setup_env.sh'


def setup(tmp_path, **env):
    full = {**os.environ, 'POSELIFT_VENV': str(tmp_path / 'venv'),
            'POSELIFT_CACHE': str(tmp_path / 'cache'), **env}
    return subprocess.run(['bash', str(SCRIPT)], capture_output=True,
                          text=True, env=full, timeout=120)


def test_wrong_python_version(tmp_path):
    fake = tmp_path / 'python3.9'
    fake.write_text('#!/bin/sh\necho 3.9\n')
    fake.chmod(0o755)
    proc = setup(tmp_path, PYTHON=str(fake))
    assert proc.returncode != 0
    assert 'Python 3.11 is required' in proc.stderr
    assert not (tmp_path / 'venv').exists()


def test_missing_compiler(tmp_path):
    proc = setup(tmp_path, PYTHON=sys.executable, CC='no-such-cc')
    assert proc.returncode != 0
    assert "compiler 'no-such-cc' is missing" in proc.stderr


def test_disk_full(tmp_path):
    proc = setup(tmp_path, PYTHON=sys.executable,
                 POSELIFT_MIN_FREE_GB='100000000')
    assert proc.returncode != 0
    assert 'not enough disk space' in proc.stderr


def test_second_run_is_a_no_op():
    check = subprocess.run(['bash', str(SCRIPT), '--check'],
                           capture_output=True, text=True)
    if check.returncode != 0:
        pytest.skip('the project venv is not set up by tools/setup_env.sh')
    proc = subprocess.run(['bash', str(SCRIPT)], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0 and 'up to date' in proc.stdout
