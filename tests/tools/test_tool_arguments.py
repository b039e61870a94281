"""tools/test.py and tools/train.py take MMPose 1.3.2's arguments with
MMPose's meaning: --out (metrics), --dump (predictions), --show-dir /
--interval, --badcase; run as a user would, in subprocesses on a tiny
procedural Human3.6M-format set (see test_train_test.py)."""
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from poselift_mm.datasets.synthetic import synthesize_h36m

REPO = Path(__file__).resolve().parents[2]
CFG = REPO / 'configs/baselines/simplebaseline3d_tcn-1frm_synthetic-tiny.py'
PY = sys.executable
SAMPLES = 24  # test samples used (test_dataloader.dataset.indices)


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    root = tmp_path_factory.mktemp('tiny_h36m')
    synthesize_h36m(str(root), splits=dict(train=('S1', ), test=('S8', )),
                    num_frames=10, seed=2)
    return root


def options(data_root, *extra):
    return ['--cfg-options'] + [
        f'{loader}.dataset.data_root={data_root}'
        for loader in ('train_dataloader', 'val_dataloader',
                       'test_dataloader')
    ] + ['train_cfg.max_epochs=1', 'train_cfg.val_interval=1',
         f'test_dataloader.dataset.indices={SAMPLES}',
         'test_dataloader.batch_size=8', *extra]


def run(args, check=True, env=None):
    proc = subprocess.run(
        [PY, *map(str, args)], cwd=REPO, capture_output=True, text=True,
        timeout=600, env={**os.environ, 'OMP_NUM_THREADS': '1',
                          **(env or {})})
    if check and proc.returncode != 0:
        raise AssertionError(f'{args} failed ({proc.returncode}):\n'
                             f'{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}')
    return proc


@pytest.fixture(scope='module')
def trained(data_root, tmp_path_factory):
    """One epoch, drawing the first validation sample of every 4th batch
    of 8 (train.py's show group)."""
    work = tmp_path_factory.mktemp('train')
    proc = run(['tools/train.py', CFG, '--work-dir', work, '--show-dir',
                'valvis', '--interval', '4'] +
               options(data_root, 'val_dataloader.batch_size=8'))
    return work, proc.stdout + proc.stderr


def test_train_show_dir_draws_validation_samples(trained):
    work, text = trained
    pngs = sorted(work.glob('*/valvis/val_epoch1_batch*.png'))
    assert [p.name for p in pngs][:2] == ['val_epoch1_batch00000.png',
                                          'val_epoch1_batch00004.png']
    assert 'pkg_resources' not in text  # filtered where the tool starts


def test_out_writes_metrics_and_dump_writes_predictions(trained, data_root,
                                                        tmp_path):
    work, _ = trained
    out, dump = tmp_path / 'm' / 'metrics.json', tmp_path / 'p' / 'preds.pkl'
    proc = run(['tools/test.py', CFG, work / 'epoch_1.pth', '--work-dir',
                tmp_path / 'w', '--out', out, '--dump', dump] +
               options(data_root))
    metrics = json.loads(out.read_text())
    assert metrics['h36m/MPJPE'] > 0 and 'h36m/P-MPJPE' in metrics
    logged = float(proc.stdout.split('h36m/MPJPE: ')[-1].split()[0])
    assert abs(metrics['h36m/MPJPE'] - logged) < 1e-3
    preds = pickle.loads(dump.read_bytes())
    assert len(preds) == SAMPLES
    kp = np.asarray(preds[0]['pred_instances']['keypoints'])
    assert kp.shape[-2:] == (17, 3)
    # written atomically: no temporary or partial file is left beside them
    assert [p.name for p in out.parent.iterdir()] == ['metrics.json']
    assert [p.name for p in dump.parent.iterdir()] == ['preds.pkl']
    assert 'pkg_resources' not in proc.stdout + proc.stderr


def test_out_pickle_is_never_silently_metrics(trained, data_root, tmp_path):
    """This tool's former --out (predictions pickle) is read as --dump with
    a message; with --dump too it is refused."""
    work, _ = trained
    old = tmp_path / 'old.pkl'
    proc = run(['tools/test.py', CFG, work / 'epoch_1.pth', '--work-dir',
                tmp_path / 'w', '--out', old] + options(data_root))
    assert '--out now writes the test metrics' in proc.stderr
    assert f'--dump {old}' in proc.stderr
    assert len(pickle.loads(old.read_bytes())) == SAMPLES
    proc = run(['tools/test.py', CFG, work / 'epoch_1.pth', '--out', old,
                '--dump', tmp_path / 'x.pkl'], check=False)
    assert proc.returncode != 0 and '--dump' in proc.stderr
    proc = run(['tools/test.py', CFG, work / 'epoch_1.pth', '--out',
                tmp_path / 'm.txt'], check=False)
    assert proc.returncode != 0 and '.json' in proc.stderr


def test_show_dir_interval_and_badcase(trained, data_root, tmp_path):
    work, _ = trained
    run(['tools/test.py', CFG, work / 'epoch_1.pth', '--work-dir',
         tmp_path / 'w', '--show-dir', 'vis', '--interval', '5',
         '--badcase', '--badcase-thr', '0'] + options(data_root))
    (stamp, ) = (tmp_path / 'w').glob('2*')
    assert len(list((stamp / 'vis').glob('*.png'))) == SAMPLES // 5
    bad = json.loads((stamp / 'badcase' / 'results.json').read_text())
    assert bad['samples'] == SAMPLES and bad['badcase_thr_mm'] == 0
    assert len(bad['badcases']) == SAMPLES  # every error is >= 0 mm
    assert all(b['mpjpe_mm'] > 0 for b in bad['badcases'])
    assert len(list((stamp / 'badcase').glob('*.png'))) == SAMPLES


def test_show_without_a_display_is_refused(trained):
    work, _ = trained
    env = {k: v for k, v in os.environ.items()
           if k not in ('DISPLAY', 'WAYLAND_DISPLAY')}
    proc = subprocess.run([PY, 'tools/test.py', str(CFG),
                           str(work / 'epoch_1.pth'), '--show'], cwd=REPO,
                          capture_output=True, text=True, timeout=300,
                          env=env)
    assert proc.returncode != 0 and '--show-dir' in proc.stderr


def test_help_lists_mmpose_arguments():
    text = run(['tools/test.py', '--help']).stdout
    for arg in ('--out', '--dump', '--show-dir', '--show', '--interval',
                '--wait-time', '--badcase', '--cfg-options', '--launcher',
                '--work-dir', '--trust-checkpoint'):
        assert arg in text, arg
    text = run(['tools/train.py', '--help']).stdout
    for arg in ('--resume', '--amp', '--no-validate', '--auto-scale-lr',
                '--show-dir', '--show', '--interval', '--wait-time',
                '--cfg-options', '--launcher', '--trust-checkpoint'):
        assert arg in text, arg


class _Logger:
    def __init__(self):
        self.lines = []

    def info(self, msg):
        self.lines.append(msg)


def _progress(batches, logger_interval, seconds_per_batch):
    """The lines TestProgressHook logs for a run (a fake clock)."""
    from poselift_mm.apis.runner_hooks import TestProgressHook
    now = [0.]
    runner = SimpleNamespace(
        test_dataloader=[None] * batches, logger=_Logger(),
        hooks=[type('LoggerHook', (), {'interval': logger_interval})()])
    hook = TestProgressHook(clock=lambda: now[0])
    hook.before_test_epoch(runner)
    for i in range(batches):
        now[0] += seconds_per_batch
        hook.after_test_iter(runner, i)
    return runner.logger.lines


def test_progress_lines_for_long_quiet_runs_only():
    # 46 batches of 1.8 s (the 81 s frame DiffPose run): about ten lines
    lines = _progress(46, 50, 1.8)
    assert 5 <= len(lines) <= 10
    assert lines[0].startswith('test: 5/46 batches') and 'eta' in lines[0]
    assert _progress(46, 50, 0.01) == []  # a short run stays quiet
    assert _progress(1000, 50, 1.) == []  # the LoggerHook logs often enough
