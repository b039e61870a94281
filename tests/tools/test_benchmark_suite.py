"""tools/benchmark.py --suite (poselift_mm.benchmark): job lists, resuming
(finished jobs skipped, failed ones retried, a torn results line ignored),
report tables, plots and the cost-growth fit (the accuracy/speed jobs
themselves run the released models; one small speed sweep runs here for
real)."""
import json

import pytest

from poselift_mm.benchmark import report, runners, suite, table

MATMUL = 'speed/matmul'
PEER_SWEEP = 'speed/simplebaseline3d--mmpose/batch/1,64'
ONLY = ['speed/matmul', 'speed/simplebaseline3d']


def test_job_lists():
    for quick in (False, True):
        ids = [j['id'] for j in suite.all_jobs(quick)]
        assert len(ids) == len(set(ids))
    assert not suite.train_jobs(True)  # --quick trains nothing
    assert {j['model'] for j in suite.train_jobs(False)} == {
        'SimpleBaseline3D (MMPose)', 'VideoPose3D 1 frame (MMPose)',
        'VideoPose3D 27 frames (MMPose)'}
    acc = suite.accuracy_jobs(False)
    # quick: 10x sparser test sets; the other sets only for the models
    # marked quick_all_sets
    q = {(j['model'], j['set']): j['stride'] for j in suite.accuracy_jobs(
        True)}
    for j in acc:
        if (j['model'], j['set']) in q:
            assert q[j['model'], j['set']] == 10 * j['stride']
    for m in table.MODELS:
        sets = {s for name, s in q if name == m.name}
        assert sets == (set(m.sets) if m.quick_all_sets else {'s8_gt'})
        assert {j['set'] for j in acc if j['model'] == m.name} == set(m.sets)
    # every model has the main sets or the detector-noise sets
    for m in table.MODELS:
        assert set(table.MAIN_SETS) <= set(m.sets) or \
            set(table.NOISE_SETS) <= set(m.sets)
    strong = [j for j in acc if j['set'] == 'cmu_strong'][0]['options']
    assert strong['test_dataloader.dataset.keypoint_2d_det_file'] == \
        'joint_2d_det_files/fps50/h36m_test_det_strong.npy'
    noisy = [j for j in acc if j['set'] == 's8_noisy'][0]['options']
    assert noisy['test_dataloader.dataset.keypoint_2d_src'] == 'detection'
    assert noisy['test_dataloader.dataset.keypoint_2d_det_file'].endswith(
        'h36m_val_noisy.npy')


def test_released_models_come_from_the_metafiles():
    job = [j for j in suite.accuracy_jobs(False)
           if j['model'] == 'ZeDO (zero-shot), OIL 20'][0]
    assert job['config'] == 'configs/zedo/zedo_prior-mlp512_h36m-mocap_cpu.py'
    assert job['checkpoint'] == ('checkpoints/zedo/zedo_prior-mlp512_h36m-'
                                 'mocap_cpu-24871e11.pth')
    assert job['options']['model.test_cfg.oil.iters'] == 20
    peer = [j for j in suite.accuracy_jobs(False)
            if j['model'] == 'SimpleBaseline3D (MMPose)'][0]
    assert peer['checkpoint'] == 'train' and peer['peer'] is True


class FakeProc:
    def __init__(self, out, rc=0):
        self.stdout, self.stderr, self.returncode = out, 'boom', rc


def fake_subprocess(monkeypatch, calls, failing=()):
    """Jobs 'run' instantly; those whose id is in ``failing`` exit 1."""
    def run(cmd, **kwargs):
        job = json.loads(cmd[-1])
        calls.append(job['id'])
        if job['id'] in failing:
            return FakeProc('', rc=1)
        return FakeProc('JOB ' + json.dumps(dict(points=[], gflops=1.,
                                                  peak_rss_mib=1)))
    monkeypatch.setattr(runners.subprocess, 'run', run)


def quiet_suite(tmp_path, **kwargs):
    return suite.run_suite(str(tmp_path), quick=True, only=ONLY,
                           log=lambda *a: None, **kwargs)


def test_failed_job_is_retried_and_finished_one_skipped(tmp_path,
                                                        monkeypatch):
    calls = []
    fake_subprocess(monkeypatch, calls, failing={PEER_SWEEP})
    res = quiet_suite(tmp_path)
    assert calls == [MATMUL, PEER_SWEEP]
    assert 'error' in res[PEER_SWEEP] and 'result' in res[MATMUL]
    assert len((tmp_path / 'quick.jsonl').read_text().splitlines()) == 2
    calls.clear()
    fake_subprocess(monkeypatch, calls)  # now it works
    res = quiet_suite(tmp_path)
    assert calls == [PEER_SWEEP]  # retried; the finished one skipped
    assert 'result' in res[PEER_SWEEP]
    calls.clear()
    quiet_suite(tmp_path, force=True)
    assert calls == [MATMUL, PEER_SWEEP]


def test_torn_last_line_is_ignored_and_finished_jobs_kept(tmp_path,
                                                          monkeypatch):
    path = tmp_path / 'quick.jsonl'
    done = dict(id=MATMUL, kind='speed', what='matmul',
                result=dict(gflops=42.))
    path.write_text(json.dumps(done) + '\n' + '{"id": "speed/simplebase')
    calls = []
    fake_subprocess(monkeypatch, calls)
    res = quiet_suite(tmp_path)
    assert calls == [PEER_SWEEP]
    assert res[MATMUL]['result'] == dict(gflops=42.)
    # the new record is on a line of its own: both read back
    again = suite.load_results(str(path))
    assert set(again) == {MATMUL, PEER_SWEEP}
    assert len(path.read_text().splitlines()) == 3


def test_force_reruns_only_the_selected_jobs(tmp_path, monkeypatch):
    fake_subprocess(monkeypatch, [])
    quiet_suite(tmp_path)
    res = suite.run_suite(str(tmp_path), quick=True, force=True,
                          only=[MATMUL], log=lambda *a: None)
    # the report still sees every finished job of the suite
    assert set(res) == {MATMUL, PEER_SWEEP}


def fake_results():
    res = {MATMUL: dict(id=MATMUL, kind='speed', what='matmul',
                        result=dict(gflops=100.))}
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
    for i, m in enumerate(table.MODELS[:3]):
        for set_id in table.SETS:
            met = {k: v + i for k, v in metrics.items()}
            res[f'acc/{i}/{set_id}'] = dict(
                id=f'acc/{i}/{set_id}', kind='accuracy', model=m.name,
                set=set_id, result=dict(frames=100, frames_per_s=1000. * (i
                                        + 1), metrics=met), date='2026-11-22')
    return res


def test_growth_fit_of_a_known_power_law():
    ((model, var, exp, slope, xs), ) = report.growth(fake_results())
    assert (model, var, xs) == ('ZeDO (zero-shot), OIL 50', 'hypotheses',
                                [1, 4, 16])
    assert exp == pytest.approx(1.5, abs=1e-9)
    # t = 2, 16, 128 ms at n = 1, 4, 16 (mean n 7): least-squares slope
    # Sxt / Sxx = (-6*-46.67 - 3*-32.67 + 9*79.33) / (36 + 9 + 81)
    # = 1092 / 126 ms per unit
    assert slope == pytest.approx(1092 / 126, rel=1e-9)


def test_report_tables_plots_and_hand_text(tmp_path):
    docs = tmp_path / 'docs' / 'benchmarks.md'
    docs.parent.mkdir()
    docs.write_text('# Benchmarks\n\nhand-written intro\n\n'
                    f'{report.BEGIN}\nold\n{report.END}\n\n'
                    '## Original code anchors\nkept\n')
    report.write_report(fake_results(), str(docs),
                        machine_text='test machine')
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


def test_speed_sweep_runs_for_real(tmp_path, monkeypatch):
    """One real sweep of the smallest model, from another directory:
    FLOPs counted, rates sane."""
    import torch
    monkeypatch.chdir(tmp_path)
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


def test_training_seconds_from_the_mmengine_log(tmp_path):
    run = tmp_path / 'work_dirs' / 'peer' / '20261122_105803'
    run.mkdir(parents=True)
    (run / '20261122_105803.log').write_text(
        '2026/11/22 10:58:04 - mmengine - INFO - \n'
        'System environment:\n'
        '2026/11/22 10:58:30 - mmengine - INFO - Epoch(train) [1][50/760]\n'
        '2026/11/22 11:15:39 - mmengine - INFO - Epoch(val) [3][23/23]\n')
    root = str(tmp_path)
    assert table.training_seconds('configs/x/peer.py', root) == 17 * 60 + 35
    assert table.training_seconds('configs/x/other.py', root) is None


def test_report_leaves_out_skipped_accuracy_jobs(tmp_path):
    """--quick on a fresh clone has no peer checkpoints: those jobs are
    recorded as skipped and the tables show '-' for them."""
    res = fake_results()
    name = table.MODELS[0].name
    for set_id in table.SETS:
        res[f'acc/0/{set_id}'] = dict(
            id=f'acc/0/{set_id}', kind='accuracy', model=name, set=set_id,
            result=dict(skipped='no checkpoint'))
    docs = tmp_path / 'benchmarks.md'
    report.write_report(res, str(docs), machine_text='test machine')
    row = [ln for ln in docs.read_text().splitlines()
           if ln.startswith(f'| {name} |')][0]
    assert '| - | - | - |' in row


def test_a_partial_results_file_leaves_the_docs_alone(tmp_path,
                                                      monkeypatch):
    """Only some jobs have results (a lost work dir, a --only run on a
    fresh machine): the generated tables are not rewritten without the
    rows of the other jobs, and the log says why."""
    fake_subprocess(monkeypatch, [])
    docs = tmp_path / 'benchmarks.md'
    docs.write_text('# Benchmarks\n\nhand-written rows\n')
    logged = []
    suite.run_suite(str(tmp_path), quick=True, only=ONLY, docs=str(docs),
                    log=logged.append)
    assert docs.read_text() == '# Benchmarks\n\nhand-written rows\n'
    assert any('not rewritten' in m for m in logged)
    assert not (tmp_path / 'images').exists()


def test_no_speed_records_no_speed_plot(tmp_path):
    from poselift_mm.benchmark.plots import plot_speed
    plot_speed({}, str(tmp_path / 'speed.png'))
    assert not (tmp_path / 'speed.png').exists()
