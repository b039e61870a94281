"""Users' mistakes end in one ``error: ...`` line and exit code 2, not a
traceback: bad paths of tools/convert_checkpoint.py, a config value of the
wrong type in tools/test.py, an empty ``last_checkpoint`` on --resume, a
torn line in the benchmark suite's results file."""
import hashlib
import importlib.util
import json
import os
import time

import pytest
import torch
from mmengine.config import Config
from reliability_helpers import (CFG, PY, REPO, data_options, one_error_line,
                                 run)

from poselift_mm.apis.train_test import resume_latest
from poselift_mm.utils.checkpoint import latest_checkpoint


def load_tool(name):
    spec = importlib.util.spec_from_file_location(
        f'tool_{name}', REPO / 'tools' / f'{name}.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def convert_tool():
    return load_tool('convert_checkpoint')


@pytest.fixture
def files(tmp_path):
    """An mmengine-layout checkpoint (the wrong kind for every
    converter) and an existing output folder."""
    ckpt = tmp_path / 'mm.pth'
    torch.save(dict(state_dict=dict(w=torch.ones(2)), meta=dict()), ckpt)
    (tmp_path / 'out').mkdir()
    return tmp_path, ckpt


def digest(path) -> str:
    return hashlib.sha256(open(path, 'rb').read()).hexdigest()


CASES = {
    'missing source': (['zedo', '{d}/nope.pth', '{d}/out/x.pth'],
                       'does not exist'),
    'source is a directory': (['zedo', '{d}/out', '{d}/out/x.pth'],
                              'directory'),
    'wrong kind of checkpoint': (['zedo', '{ckpt}', '{d}/out/x.pth'],
                                 'not a ZeDO checkpoint'),
    'wrong kind, mixste': (['mixste', '{ckpt}', '{d}/out/x.pth'],
                           'not a MixSTE checkpoint'),
    'destination folder missing': (['zedo', '{ckpt}', '{d}/no/dir/x.pth'],
                                   'does not exist; create it'),
    'destination is a directory': (['zedo', '{ckpt}', '{d}/out'],
                                   'destination is a directory'),
    'destination is the source': (['gcnpose', '{ckpt}', '{ckpt}'],
                                   'overwrite the original'),
    'pose model missing': (['diffpose', '{ckpt}', '{d}/out/x.pth',
                            '--pose-model', '{d}/nope.bin'],
                           'does not exist'),
}


@pytest.mark.parametrize('case', list(CASES))
def test_convert_bad_paths(case, files, convert_tool, capsys):
    folder, ckpt = files
    argv, expected = CASES[case]
    argv = [a.format(d=folder, ckpt=ckpt) for a in argv]
    before = digest(ckpt)
    assert convert_tool.main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith('error: ') and \
        expected in err[0], err
    assert digest(ckpt) == before  # the source is never touched
    assert not (folder / 'out' / 'x.pth').exists()


@pytest.mark.skipif(os.geteuid() == 0, reason='root reads any file')
def test_convert_unreadable_source(files, convert_tool, capsys):
    folder, ckpt = files
    ckpt.chmod(0)
    try:
        assert convert_tool.main(['zedo', str(ckpt),
                                  str(folder / 'x.pth')]) == 2
    finally:
        ckpt.chmod(0o644)
    assert 'cannot be read' in capsys.readouterr().err


def test_convert_exit_code_from_the_shell(files):
    folder, ckpt = files
    proc = run([PY, 'tools/convert_checkpoint.py', 'zedo', str(ckpt),
                str(folder)])
    assert 'destination is a directory' in one_error_line(proc)


@pytest.mark.parametrize('option', ['test_dataloader.batch_size=many',
                                    'model.backbone.stem_channels=wide'])
def test_test_tool_with_a_wrong_typed_config_value(option, data_root,
                                                    tmp_path):
    ckpt = tmp_path / 'any.pth'
    torch.save(dict(state_dict={}, meta={}), ckpt)
    proc = run([PY, 'tools/test.py', str(CFG), str(ckpt), '--work-dir',
                str(tmp_path / 'w'), '--cfg-options'] +
               data_options(data_root) + [option])
    line = one_error_line(proc)
    assert 'does not build' in line and option.split('=')[0] in line


def save_at(path, mtime: float, data: bytes = None):
    if data is None:
        torch.save(dict(state_dict={}), path)
    else:
        path.write_bytes(data)
    os.utime(path, (mtime, mtime))
    return path


def test_empty_last_checkpoint_takes_the_newest_intact_one(tmp_path):
    t = time.time()
    old = save_at(tmp_path / 'epoch_1.pth', t - 30)
    new = save_at(tmp_path / 'iter_20.pth', t - 20)
    save_at(tmp_path / 'iter_25.pth', t - 10, b'PK\x03\x04 cut short')
    (tmp_path / 'last_checkpoint').write_text('')
    warnings = []
    assert latest_checkpoint(str(tmp_path), warnings.append) == str(new)
    assert len(warnings) == 1 and 'is empty' in warnings[0]
    # a record naming a truncated file: the same fallback
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'iter_25.pth'))
    assert latest_checkpoint(str(tmp_path), warnings.append) == str(new)
    # a good record wins (also when the work dir moved: by its file name)
    (tmp_path / 'last_checkpoint').write_text('/elsewhere/epoch_1.pth')
    assert latest_checkpoint(str(tmp_path), warnings.append) == \
        str(tmp_path / 'epoch_1.pth') == str(old)


def test_empty_last_checkpoint_and_no_checkpoint_trains_from_scratch(
        tmp_path, capsys):
    (tmp_path / 'last_checkpoint').write_text('\n')
    cfg = Config(dict(work_dir=str(tmp_path), resume=True, load_from=None))
    resume_latest(cfg)
    assert cfg.resume is False and cfg.load_from is None
    assert 'nothing to resume' in capsys.readouterr().err


def test_benchmark_suite_resumes_past_a_torn_line(tmp_path, monkeypatch):
    """A results file with a line cut inside the JSON and a last line
    whose bytes are not UTF-8 (a crash can leave any bytes, here a
    character cut in two): the finished job is kept, the torn one runs
    again, a warning names each bad line."""
    from poselift_mm.benchmark import runners, suite
    done_id = 'speed/matmul'
    path = tmp_path / 'quick.jsonl'
    done = dict(id=done_id, kind='speed', what='matmul',
                result=dict(gflops=42.))
    torn = json.dumps(dict(id='speed/x', note='caf\u00e9'),
                      ensure_ascii=False).encode()
    path.write_bytes(json.dumps(done).encode() + b'\n{"id": "speed/sim\n' +
                     torn[:torn.index(b'\xc3') + 1])
    calls, logged = [], []

    class Proc:
        stderr, returncode = '', 0
        stdout = 'JOB ' + json.dumps(dict(points=[], gflops=1.,
                                         peak_rss_mib=1))

    def fake_run(cmd, **kwargs):
        calls.append(json.loads(cmd[-1])['id'])
        return Proc()

    monkeypatch.setattr(runners.subprocess, 'run', fake_run)
    only = ['speed/matmul', 'speed/simplebaseline3d--mmpose/batch/1,64']
    res = suite.run_suite(str(tmp_path), quick=True, only=only,
                          log=logged.append)
    assert done_id not in calls and len(calls) == 1
    assert res[done_id]['result'] == dict(gflops=42.)
    torn_warnings = [m for m in logged if 'not a complete result' in m]
    assert [m.split(' line ')[1].split()[0] for m in torn_warnings] == \
        ['2', '3']
    assert set(suite.load_results(str(path), logged.append)) == \
        {done_id, calls[0]}


def test_demo_out_dir_that_cannot_be_made(tmp_path, capsys):
    """A file in the way or an impossible parent: one error line naming
    --out-dir, exit 2, before any model loads."""
    import importlib.util
    from pathlib import Path
    tool = Path(__file__).resolve().parents[2] / 'tools' / 'demo.py'
    spec = importlib.util.spec_from_file_location('demo_tool', tool)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    video = Path(__file__).resolve().parents[2] / 'demo' / \
        'single_person_demo.mp4'
    blocker = tmp_path / 'afile'
    blocker.write_text('x')
    for out, msg in ((blocker, 'is a file, not a folder'),
                     (blocker / 'sub', 'cannot be created')):
        code = mod.main([str(video), '--pose2d', 'blazepose', '--pose3d',
                         'zedo', '--out-dir', str(out)])
        err = capsys.readouterr().err.strip().splitlines()
        assert code == 2 and err[-1].startswith('error: --out-dir')
        assert msg in err[-1]
