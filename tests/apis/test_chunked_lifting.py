"""Lifting a file chunk by chunk: every frame gets its own track's result
(context around each chunk, clipped to the track), and lift_file gives the
same results file with small chunks as whole."""
import json

import numpy as np
import pytest

from poselift_mm.apis import chunked_lifting
from poselift_mm.apis.chunked_lifting import (chunked_frames,
                                              context_frames, track_window)
from poselift_mm.apis.keypoint_files import lift_file
from poselift_mm.apis.output_schema import read_results


def fake_track(tid, frames, k=17):
    frames = np.asarray(frames)
    kp = np.repeat(frames[:, None, None].astype(float), k, 1) * np.ones(2)
    return dict(track_id=tid, frames=frames, keypoints=kp,
                scores=np.ones((len(frames), k)))


def test_each_frame_gets_its_own_tracks_result():
    """A fake lift puts each frame's file position into its 3D: whatever
    the chunking, frame p of a track reads p, and the requested spans are
    the chunk plus its margin, clipped to the track."""
    tracks = [fake_track(0, range(0, 23)),
              fake_track(5, [3, 4, 5, 9, 10, 11, 12, 13, 14, 15, 16, 17]),
              fake_track(7, range(18, 30))]
    asked = []

    def lift(tr, lo, hi):
        kp, sc, start = track_window(tr, 17, lo, hi)
        asked.append((tr['track_id'], lo, hi))
        present = np.isfinite(kp).all(-1).any(-1)
        if not present.any():
            return None
        pos = np.arange(lo, hi, dtype=float)
        return dict(keypoints_3d=np.repeat(pos[:, None, None], 17, 1) *
                    np.ones(3), present=present, input_format='h36m')

    ids = list(range(100, 130))
    frames = list(chunked_frames(ids, tracks, lift, chunk=7, margin=2))
    assert [f['frame_id'] for f in frames] == ids
    for pos, frame in enumerate(frames):
        got = {i['track_id']: i['keypoints'][0][0] for i in frame['instances']}
        want = {t['track_id'] for t in tracks if pos in t['frames']}
        assert set(got) == want, pos
        assert all(v == pos for v in got.values()), (pos, got)
    for tid, lo, hi in asked:
        tr = next(t for t in tracks if t['track_id'] == tid)
        assert tr['frames'][0] <= lo < hi <= tr['frames'][-1] + 1
    # chunk [7, 14) of track 0 is lifted with 2 frames of context
    assert (0, 5, 16) in asked


def test_context_covers_windows_gaps_and_smoothing():
    assert context_frames(1, None, None, 25, 5) == 27
    assert context_frames(27, 100., 50., 25, 5) == 55  # 54 input frames
    assert context_frames(243, None, None, 25, 5) == 244


@pytest.fixture(scope='module')
def long_input(tmp_path_factory, standing_h36m_px):
    """Two people over 40 frames (one leaves for 6 frames), a COCO-free
    Human3.6M-17 file."""
    root = tmp_path_factory.mktemp('chunks')
    rng = np.random.default_rng(0)
    base = standing_h36m_px
    frames = []
    for i in range(40):
        insts = []
        for tid, dx in ((0, 0.), (1, 300.)):
            if tid == 1 and 12 <= i < 18:
                continue
            kp = base + [dx - 200, 0] + rng.normal(0, 3, (17, 2)) + i
            insts.append(dict(keypoints=kp.tolist(),
                              keypoint_scores=[0.9] * 17, track_id=tid))
        frames.append(dict(frame_id=i, instances=insts))
    path = root / 'two.json'
    path.write_text(json.dumps(frames))
    return path


@pytest.mark.parametrize('consistency', [False, True])
def test_lift_file_in_chunks_equals_whole(long_input, tmp_path, monkeypatch,
                                          consistency):
    def run(name):
        out = tmp_path / f'{name}.json'
        lift_file(str(long_input), 'diffpose', None, str(out),
                  image_size=(1000, 1000), format='h36m', fps=50.,
                  consistency=consistency, log=lambda m: None)
        return read_results(str(out))[1]

    whole = run('whole')
    monkeypatch.setattr(chunked_lifting, 'CHUNK_FRAMES', 8)
    chunked = run('chunked')
    assert [len(f['instances']) for f in chunked] == \
        [len(f['instances']) for f in whole]
    assert [len(f['instances']) for f in whole][12:18] == [1] * 6
    a = np.array([i['keypoints'] for f in whole for i in f['instances']])
    b = np.array([i['keypoints'] for f in chunked for i in f['instances']])
    if not consistency:  # a frame model, gaps within the context: equal
        np.testing.assert_allclose(b, a, atol=1e-6)
    else:  # bone lengths held per chunk: close, not equal
        assert np.abs(b - a).max() < 0.03


def test_one_bar_over_the_frames_of_a_chunked_file(long_input, tmp_path,
                                                  monkeypatch, capsys):
    monkeypatch.setattr(chunked_lifting, 'CHUNK_FRAMES', 8)
    monkeypatch.setenv('POSELIFT_PROGRESS', '1')
    lift_file(str(long_input), 'diffpose', None, str(tmp_path / 'o.json'),
              image_size=(1000, 1000), format='h36m', fps=50.,
              log=lambda m: None)
    err = capsys.readouterr().err
    assert '40/40' in err and 'frame' in err
    assert 'window' not in err  # no second bar per chunk
