"""Two trainings never share a work dir: the second is refused while the
first holds it (lock file with the PID); the lock of a killed run is
taken over."""
import os
import signal
import subprocess

import pytest
from reliability_helpers import CFG, PY, REPO, one_error_line, run

from poselift_mm.utils.launch import LOCK_NAME, ToolError, work_dir_lock

HOLD = ('import sys\n'
        'from poselift_mm.utils.launch import work_dir_lock\n'
        'with work_dir_lock(sys.argv[1]):\n'
        '    print("locked", flush=True)\n'
        '    sys.stdin.read()\n')


def hold(work_dir):
    """A process holding ``work_dir``'s lock until its stdin closes."""
    proc = subprocess.Popen([PY, '-c', HOLD, str(work_dir)], cwd=REPO,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdout.readline().strip() == 'locked'
    return proc


def test_second_holder_is_refused_then_admitted(tmp_path):
    holder = hold(tmp_path)
    try:
        assert (tmp_path / LOCK_NAME).read_text().strip() == str(holder.pid)
        with pytest.raises(ToolError, match=rf'PID {holder.pid}\b'):
            with work_dir_lock(str(tmp_path)):
                pass
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)
    with work_dir_lock(str(tmp_path)) as path:
        assert open(path).read().strip() == str(os.getpid())
    assert (tmp_path / LOCK_NAME).read_text() == ''  # released cleanly


def test_lock_of_a_killed_run_is_taken_over(tmp_path, capsys):
    holder = hold(tmp_path)
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=60)
    assert (tmp_path / LOCK_NAME).read_text().strip() == str(holder.pid)
    with work_dir_lock(str(tmp_path)) as path:
        assert open(path).read().strip() == str(os.getpid())
    assert f'PID {holder.pid}' in capsys.readouterr().err


def test_train_tool_refuses_a_held_work_dir(tmp_path):
    work = tmp_path / 'work'
    holder = hold(work)
    try:
        proc = run([PY, 'tools/train.py', str(CFG), '--work-dir', str(work)])
        line = one_error_line(proc)
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)
    assert 'in use' in line and f'PID {holder.pid}' in line
    # nothing of the refused run: no timestamp folder, no config dump
    assert sorted(os.listdir(work)) == [LOCK_NAME]
