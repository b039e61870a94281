"""tools/benchmark.py --suite: job lists, resuming, report tables, plots
and the cost-growth fit (the accuracy/speed jobs themselves run the
released models; one small speed sweep runs here for real)."""
import json
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / 'tools'))

import benchmark_report as report  # noqa: E402
import benchmark_suite as suite  # noqa: E402


def test_job_lists():
    full = suite.train_jobs(False) + suite.accuracy_jobs(False) + \
        suite.speed_jobs(False)
    quick = suite.train_jobs(True) + suite.accuracy_jobs(True) + \
        suite.speed_jobs(True)
    for jobs in (full, quick):
        ids = [j['id'] for j in jobs]
        assert len(ids) == len(set(ids))
    assert not suite.train_jobs(True)  # --quick trains nothing
    assert {j['model'] for j in suite.train_jobs(False)} == {
        m[0] for m in suite.MODELS if m[2] == 'train'}
    # every model on every set in the full suite
    acc = suite.accuracy_jobs(False)
    assert len(acc) == len(suite.MODELS) * len(suite.SETS)
    # quick: 10x sparser test sets
    q = {(j['model'], j['set']): j['stride'] for j in suite.accuracy_jobs(
        True)}
    for j in acc:
        if (j['model'], j['set']) in q:
            assert q[j['model'], j['set']] == 10 * j['stride']
    noisy = [j for j in acc if j['set'] == 's8_noisy'][0]['options']
    assert noisy['test_dataloader.dataset.keypoint_2d_src'] == 'detection'
    assert noisy['test_dataloader.dataset.keypoint_2d_det_file'].endswith(
        'h36m_val_noisy.npy')


class FakeProc:
    def __init__(self, out, rc=0):
        self.stdout, self.stderr, self.returncode = out, 'boom', rc


def test_suite_resumes_and_retries_failures(tmp_path, monkeypatch):
    calls = []

    def fake_run(cmd, **kwargs):
        job = json.loads(cmd[-1])
        calls.append(job['id'])
        if job['id'].endswith('batch/1,64'):
            return FakeProc('', rc=1)  # this one fails
        return FakeProc('JOB ' + json.dumps(dict(points=[], gflops=1.,
                                                  peak_rss_mib=1)))
    monkeypatch.setattr(suite.subprocess, 'run', fake_run)
    only = ['speed/matmul', 'speed/simplebaseline3d']
    res = suite.run_suite(str(tmp_path), quick=True, only=only,
                          log=lambda *a: None)
    assert calls == ['speed/matmul',
                     'speed/simplebaseline3d--mmpose/batch/1,64']
    assert 'error' in res['speed/simplebaseline3d--mmpose/batch/1,64']
    lines = (tmp_path / 'quick.jsonl').read_text().splitlines()
    assert len(lines) == 2
    calls.clear()
    suite.run_suite(str(tmp_path), quick=True, only=only,
                    log=lambda *a: None)
    assert calls == ['speed/simplebaseline3d--mmpose/batch/1,64']  # retry
    calls.clear()
    suite.run_suite(str(tmp_path), quick=True, only=only, force=True,
                    log=lambda *a: None)
    assert len(calls) == 2


def fake_results():
    res = {'speed/matmul': dict(id='speed/matmul', kind='speed',
                                what='matmul', result=dict(gflops=100.))}
    # t = 2 ms * n^1.5
    ns = [1, 4, 16]
    res['speed/x'] = dict(
        id='speed/x', kind='speed', model='ZeDO (zero-shot), OIL 50',
        variable='hypotheses', values=ns, result=dict(peak_rss_mib=10,
        points=[dict(value=n, batch=64, poses=64, seconds=0.002 * n**1.5,
                     poses_per_s=64 / (0.002 * n**1.5),
                     latency_ms=2. * n**1.5, flops=5e9 * n,
                     gflops_per_s=5e9 * n / (0.002 * n**1.5) / 1e9)
                for n in ns]))
    metrics = {'h36m/MPJPE': 70., 'h36m/P-MPJPE': 50., 'h36m/N-MPJPE': 68.,
               'h36m/MPJPE_Walking': 60., 'h36m/MPJPE_Sitting': 80.,
               'h36m/MPJPE_all': 69.}
    for i, (name, *_rest) in enumerate(suite.MODELS[:3]):
        for set_id in suite.SETS:
            m = {k: v + i for k, v in metrics.items()}
            res[f'acc/{i}/{set_id}'] = dict(
                id=f'acc/{i}/{set_id}', kind='accuracy', model=name,
                set=set_id, result=dict(frames=100, frames_per_s=1000. * (i
                                        + 1), metrics=m), date='2026-11-22')
    return res


def test_growth_fit_hand_computed():
    ((model, var, exp, slope, xs), ) = report.growth(fake_results())
    assert (model, var, xs) == ('ZeDO (zero-shot), OIL 50', 'hypotheses',
                                [1, 4, 16])
    assert exp == pytest.approx(1.5, abs=1e-9)
    t = 2. * np.array([1, 4, 16]) ** 1.5  # ms
    assert slope == pytest.approx(np.polyfit([1, 4, 16], t, 1)[0])


def test_report_tables_plots_and_hand_text(tmp_path, monkeypatch):
    monkeypatch.setattr(report, 'machine', lambda: 'test machine')
    docs = tmp_path / 'docs' / 'benchmarks.md'
    docs.parent.mkdir()
    docs.write_text('# Benchmarks\n\nhand-written intro\n\n'
                    f'{report.BEGIN}\nold\n{report.END}\n\n'
                    '## Original code anchors\nkept\n')
    report.write_report(fake_results(), str(docs))
    text = docs.read_text()
    assert 'hand-written intro' in text and '## Original code anchors\nkept' \
        in text
    assert 'old' not in text.split(report.BEGIN)[1].split(report.END)[0]
    assert text.count(report.BEGIN) == 1 and text.count(report.END) == 1
    assert 'test machine' in text and '100.0 GFLOP/s' in text
    row = [ln for ln in text.splitlines()
           if ln.startswith('| SimpleBaseline3D (MMPose) | 2D-3D')][0]
    assert '| 70.0 | 50.0 | 68.0 |' in row
    # per-action table: the actions as columns
    assert '| model | Sitting | Walking |' in text
    # speed table: 5 GFLOP per call at n=1, 2.5 TFLOP/s... of a 100 GFLOP/s
    # matmul rate = 2500 %
    assert '| ZeDO (zero-shot), OIL 50 | hypotheses | 1 | 64 | 32,000 | ' \
        '2.00 | 5.000 | 2,500.0 | 2,500.0 | 10 |' in text
    assert '| 1.50 |' in text  # fitted exponent
    for png in ('accuracy_vs_throughput.png', 'speed.png'):
        data = (docs.parent / 'images' / png).read_bytes()
        assert data[:8] == b'\x89PNG\r\n\x1a\n'


def test_speed_sweep_runs_for_real():
    """One real sweep of the smallest model: FLOPs counted, rates sane."""
    import torch
    n = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        out = suite.run_job_here(dict(
            kind='speed', model='SimpleBaseline3D (MMPose)',
            variable='batch', values=[1, 8], repeats=1))
    finally:
        torch.set_num_threads(n)
    p1, p8 = out['points']
    assert p1['batch'] == 1 and p8['batch'] == 8
    # TCN 1x1 convs, 1024 channels: 2 * (34*1024 + 4*1024*1024 + 1024*48)
    # multiply-adds per pose (conv stem, 2 blocks x 2 convs, head)
    per_pose = 2 * (34 * 1024 + 4 * 1024 * 1024 + 1024 * 48)
    assert p1['flops'] == pytest.approx(per_pose, rel=0.01)
    assert p8['flops'] == pytest.approx(8 * per_pose, rel=0.01)
    assert p1['poses_per_s'] > 0 and out['peak_rss_mib'] > 100


def test_training_seconds_from_the_mmengine_log(tmp_path, monkeypatch):
    monkeypatch.setattr(suite, 'ROOT', str(tmp_path))
    run = tmp_path / 'work_dirs' / 'peer' / '20261122_105803'
    run.mkdir(parents=True)
    (run / '20261122_105803.log').write_text(
        '2026/11/22 10:58:04 - mmengine - INFO - \n'
        'System environment:\n'
        '2026/11/22 10:58:30 - mmengine - INFO - Epoch(train) [1][50/760]\n'
        '2026/11/22 11:15:39 - mmengine - INFO - Epoch(val) [3][23/23]\n')
    assert suite.training_seconds('configs/x/peer.py') == 17 * 60 + 35
    assert suite.training_seconds('configs/x/other.py') is None


def test_force_reruns_only_the_selected_jobs(tmp_path, monkeypatch):
    def fake_run(cmd, **kwargs):
        return FakeProc('JOB ' + json.dumps(dict(points=[], gflops=1.,
                                                  peak_rss_mib=1)))
    monkeypatch.setattr(suite.subprocess, 'run', fake_run)
    only = ['speed/matmul', 'speed/simplebaseline3d']
    suite.run_suite(str(tmp_path), quick=True, only=only,
                    log=lambda *a: None)
    res = suite.run_suite(str(tmp_path), quick=True, force=True,
                          only=['speed/matmul'], log=lambda *a: None)
    # the report still sees every finished job of the suite
    assert set(res) == {'speed/matmul',
                        'speed/simplebaseline3d--mmpose/batch/1,64'}


def test_report_leaves_out_skipped_accuracy_jobs(tmp_path, monkeypatch):
    """--quick on a fresh clone has no peer checkpoints: those jobs are
    recorded as skipped and the tables show '-' for them."""
    monkeypatch.setattr(report, 'machine', lambda: 'test machine')
    res = fake_results()
    name = suite.MODELS[0][0]
    for set_id in suite.SETS:
        res[f'acc/0/{set_id}'] = dict(
            id=f'acc/0/{set_id}', kind='accuracy', model=name, set=set_id,
            result=dict(skipped='no checkpoint'))
    docs = tmp_path / 'benchmarks.md'
    report.write_report(res, str(docs))
    row = [ln for ln in docs.read_text().splitlines()
           if ln.startswith(f'| {name} |')][0]
    assert '| - | - | - |' in row
