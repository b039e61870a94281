"""The long-input benchmark: its input file, its job through the suite's
worker, and its table."""
import numpy as np

from poselift_mm.apis.chunked_lifting import track_window
from poselift_mm.apis.keypoint_files import read_tracks
from poselift_mm.benchmark import suite
from poselift_mm.benchmark.long_input import ping_pong, write_long_input
from poselift_mm.benchmark.report import long_input_table


def clip(n=5):
    rng = np.random.default_rng(0)
    return dict(keypoints_2d_noisy=rng.uniform(100, 900, (n, 17, 2)),
                scores_noisy=rng.uniform(0.2, 1, (n, 17)))


def test_ping_pong_plays_forwards_and_back():
    assert ping_pong(10, 4).tolist() == [0, 1, 2, 3, 2, 1, 0, 1, 2, 3]
    assert ping_pong(3, 1).tolist() == [0, 0, 0]


def test_long_input_reads_back_as_one_compact_track(tmp_path):
    c = clip()
    path = tmp_path / 'long.json'
    write_long_input(str(path), 12, c)
    data = read_tracks(str(path))
    assert data['frame_ids'] == list(range(12))
    (tr, ) = data['tracks']
    kp, sc, first = track_window(tr, 17)
    assert first == 0
    assert isinstance(kp, np.ndarray) and kp.shape == (12, 17, 2)
    idx = ping_pong(12, 5)
    np.testing.assert_allclose(kp, c['keypoints_2d_noisy'][idx], atol=0.005)
    np.testing.assert_allclose(sc, c['scores_noisy'][idx], atol=0.0005)


def test_long_job_runs_lift_and_measures_it(tmp_path):
    """A short job through the suite's worker process: tools/lift.py ran,
    and its time, rate, memory and sizes are recorded and tabulated."""
    job = dict(kind='long', id='long/diffpose/30', model='diffpose',
               frames=30)
    rec = suite._run_job(job, print)
    assert 'error' not in rec, rec.get('error')
    res = rec['result']
    assert res['frames'] == 30 and res['seconds'] > 0
    assert abs(res['frames_per_s'] * res['seconds'] - 30) < 1
    assert res['peak_rss_mib'] > 100  # torch alone is more
    assert res['output_mib'] > 0 and res['input_mib'] > 0
    table = long_input_table({job['id']: rec})
    assert '| diffpose | 30 |' in table


def test_suite_has_the_three_lengths_for_each_main_lifter():
    ids = {j['id'] for j in suite.long_input_jobs(quick=False)}
    for model in ('zedo', 'diffpose', 'diffpose-video'):
        for n in (2000, 20000, 200000):
            assert f'long/{model}/{n}' in ids
    assert {j['frames'] for j in suite.long_input_jobs(quick=True)} == {2000}
