"""poselift_mm.benchmark runs from any directory: a sweep of config values
through the worker processes on a small procedural set, and a speed job of
a released lifter whose config names repository files."""
import json
from pathlib import Path

import pytest
import torch

from poselift_mm.benchmark import run_sweeps, suite

REPO = Path(__file__).resolve().parents[2]
CFG = REPO / 'configs/baselines/simplebaseline3d_tcn-1frm_synthetic-tiny.py'


@pytest.fixture(autouse=True)
def one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def test_sweep_settings_each_in_a_worker(tmp_path, monkeypatch):
    from poselift_mm.apis import init_lifter
    from poselift_mm.datasets.synthetic import synthesize_h36m
    data = tmp_path / 'data'
    synthesize_h36m(str(data), splits=dict(train=('S1', ), test=('S8', )),
                    num_frames=20, seed=1)
    torch.manual_seed(0)
    ckpt = tmp_path / 'random.pth'
    torch.save({'state_dict': init_lifter(str(CFG), device='cpu')
                .state_dict()}, ckpt)
    monkeypatch.chdir(tmp_path)
    lines = []
    rows = run_sweeps(
        str(CFG), str(ckpt), ['test_dataloader.dataset.sample_stride=1,2'],
        cfg_options={'test_dataloader.dataset.data_root': str(data)},
        metrics=['h36m/MPJPE'], markdown=str(tmp_path / 'table.md'),
        log=lines.append)
    assert lines[0].startswith('# machine: ')
    assert [json.loads(ln)['setting'] for ln in lines[1:3]] == [
        {'test_dataloader.dataset.sample_stride': 1},
        {'test_dataloader.dataset.sample_stride': 2}]
    full, half = rows
    assert full['samples'] > 0 and half['samples'] == (full['samples'] +
                                                       1) // 2
    assert full['metrics']['h36m/MPJPE'] > 0
    table = (tmp_path / 'table.md').read_text()
    assert '| setting | samples | s | samples/s | peak RSS MiB | ' \
        'h36m/MPJPE |' in table
    assert '| dataset.sample_stride=2 |' in table


def test_released_lifter_speed_job_from_another_directory(tmp_path,
                                                          monkeypatch):
    monkeypatch.chdir(tmp_path)  # its GMM prior: checkpoints/diffpose/...
    out = suite.run_job_here(dict(
        kind='speed', model='DiffPose frame', variable='batch', values=[1],
        repeats=1))
    (point, ) = out['points']
    assert point['batch'] == point['poses'] == 1
    assert point['flops'] > 0 and point['poses_per_s'] > 0
    import torch
    assert torch.is_grad_enabled()  # a job in this process leaves it on


def test_zedo_iterations_sweep_reaches_the_optimiser():
    """OIL iterations set through the config change the work of a call:
    twice the iterations, about twice the OIL FLOPs."""
    out = suite.run_job_here(dict(
        kind='speed', model='ZeDO (zero-shot), OIL 50',
        variable='iterations', values=[2, 4], repeats=1))
    two, four = out['points']
    assert two['batch'] == four['batch'] == 64
    assert four['flops'] == pytest.approx(2 * two['flops'], rel=0.05)


def test_test_run_refuses_a_checkpoint_that_lacks_the_head(tmp_path):
    """A pose-model-only file under a full config (the head would run at
    its initial values, mmengine only logs the missing keys) is refused
    before the test loop, with the keys named."""
    from poselift_mm.apis import init_lifter
    from poselift_mm.benchmark.runners import timed_test_run
    from poselift_mm.datasets.synthetic import synthesize_h36m
    data = tmp_path / 'data'
    synthesize_h36m(str(data), splits=dict(train=('S1', ), test=('S8', )),
                    num_frames=20, seed=1)
    state = init_lifter(str(CFG), device='cpu').state_dict()
    ckpt = tmp_path / 'backbone_only.pth'
    torch.save({'state_dict': {k: v for k, v in state.items()
                               if not k.startswith('head.')}}, ckpt)
    with pytest.raises(ValueError, match=r'missing \(e\.g\. \[.head\.'):
        timed_test_run(str(CFG), str(ckpt),
                       {'test_dataloader.dataset.data_root': str(data)})
