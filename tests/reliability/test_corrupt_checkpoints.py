"""A broken checkpoint file is called broken (corrupt, truncated, empty,
not a checkpoint), never "unsafe": no trust flag can help it. A file with
disallowed pickled objects is called unsafe, names them and the opt-in of
the tool the user ran."""
import os
import pathlib
import re

import pytest
import torch
from reliability_helpers import (CFG, PY, data_options, one_error_line, run,
                                 save_evil_checkpoint)

import poselift_mm  # noqa: F401
from poselift_mm.utils.checkpoint import (CorruptCheckpointError,
                                          UnsafeCheckpointError,
                                          load_checkpoint_safe)
from poselift_mm.utils.launch import tool_name


def good_bytes() -> bytes:
    import io
    buf = io.BytesIO()
    torch.save(dict(state_dict=dict(w=torch.arange(2000.))), buf)
    return buf.getvalue()


def make_broken(kind: str, folder: pathlib.Path) -> pathlib.Path:
    path = folder / f'{kind}.pth'
    if kind == 'random':
        path.write_bytes(os.urandom(4096))
    elif kind == 'random_pickle_header':  # starts like a legacy pickle
        path.write_bytes(b'\x80\x02' + os.urandom(4096))
    elif kind == 'truncated':
        data = good_bytes()
        path.write_bytes(data[:len(data) // 2])
    elif kind == 'truncated_tail':
        path.write_bytes(good_bytes()[:-30])
    elif kind == 'empty':
        path.write_bytes(b'')
    elif kind == 'text':
        path.write_text('not a checkpoint\n')
    elif kind == 'directory':
        path.mkdir()
    return path


BROKEN = ['random', 'random_pickle_header', 'truncated', 'truncated_tail',
          'empty', 'text', 'directory', 'missing']


@pytest.mark.parametrize('kind', BROKEN)
@pytest.mark.parametrize('trust', [False, True])
def test_broken_files_are_called_broken(kind, trust, tmp_path):
    path = make_broken(kind, tmp_path)
    with pytest.raises(CorruptCheckpointError) as info:
        load_checkpoint_safe(path, trust=trust, tool='tools/test.py')
    msg = str(info.value)
    assert str(path) in msg and msg.startswith('tools/test.py: ')
    assert 'trust' not in msg.lower() and 'unsafe' not in msg.lower()
    assert re.search(r'corrupt|truncated|empty|not a (PyTorch )?checkpoint|'
                     r'does not exist|directory', msg), msg
    assert '\n' not in msg


def test_unsafe_file_names_its_objects_and_the_tools_opt_in(tmp_path):
    path = tmp_path / 'foreign.pth'
    torch.save(dict(state_dict=dict(w=torch.ones(1)),
                    meta=dict(cwd=pathlib.PurePosixPath('/x'))), path)
    with pytest.raises(UnsafeCheckpointError) as info:
        load_checkpoint_safe(path, tool='tools/demo.py')
    msg = str(info.value)
    assert 'unsafe' in msg and 'pathlib.PurePosixPath' in msg
    assert 'rerun tools/demo.py with --trust-checkpoint' in msg
    assert 'corrupt' not in msg
    ckpt = load_checkpoint_safe(path, trust=True)
    assert float(ckpt['state_dict']['w']) == 1.


def test_tool_name_is_the_script_the_user_ran():
    assert tool_name('/somewhere/poselift/tools/lift.py') == 'tools/lift.py'
    assert tool_name('tools/convert_checkpoint.py') == \
        'tools/convert_checkpoint.py'
    assert tool_name('/x/.mim/tools/train.py') == 'tools/train.py'
    assert tool_name('-c') == 'python'
    assert tool_name('my_script.py') == 'my_script.py'


def test_test_tool_with_a_truncated_checkpoint(data_root, tmp_path):
    path = make_broken('truncated', tmp_path)
    proc = run([PY, 'tools/test.py', str(CFG), str(path), '--work-dir',
                str(tmp_path / 'w'), '--cfg-options'] +
               data_options(data_root))
    line = one_error_line(proc)
    assert 'tools/test.py' in line and 'truncated' in line
    assert '--trust-checkpoint' not in proc.stderr


def test_convert_tool_names_itself(tmp_path):
    broken = make_broken('random_pickle_header', tmp_path)
    proc = run([PY, 'tools/convert_checkpoint.py', 'zedo', str(broken),
                str(tmp_path / 'out.pth')])
    line = one_error_line(proc)
    assert 'tools/convert_checkpoint.py' in line and 'corrupt' in line
    assert '--trust-checkpoint' not in line
    marker = tmp_path / 'ran.txt'
    evil = save_evil_checkpoint(tmp_path / 'evil.pth', marker)
    proc = run([PY, 'tools/convert_checkpoint.py', 'mixste', str(evil),
                str(tmp_path / 'out.pth')])
    line = one_error_line(proc)
    assert 'rerun tools/convert_checkpoint.py with --trust-checkpoint' in line
    assert not marker.exists() and not (tmp_path / 'out.pth').exists()

