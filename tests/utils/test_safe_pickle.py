"""Data files never run code: a hostile cameras.pkl or object .npz is
refused (the marker file its payload would write stays absent), a real one
still reads, and the opt-in is per call."""
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from poselift_mm.utils.datafile import DataFileError, load_npz, load_pickle

REPO = Path(__file__).resolve().parents[2]


class Payload:
    """Unpickling it creates ``marker``: a stand-in for hostile code."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, 'w'))


def hostile_cameras(tmp_path):
    marker = tmp_path / 'ran.txt'
    path = tmp_path / 'cameras.pkl'
    cams = {('S1', '54138969'): dict(R=np.eye(3), T=np.zeros((3, 1)),
                                     evil=Payload(marker))}
    path.write_bytes(pickle.dumps(cams))
    return path, marker


def test_hostile_pickle_is_refused_and_a_real_one_reads(tmp_path):
    path, marker = hostile_cameras(tmp_path)
    with pytest.raises(DataFileError, match="refused: global 'io.open'"):
        load_pickle(path)
    assert not marker.exists()
    good = tmp_path / 'good.pkl'
    cams = {("S1", "54138969"): dict(R=np.eye(3, dtype=np.float32),
                                     f=np.float64(2.), name='cam')}
    good.write_bytes(pickle.dumps(cams))
    assert load_pickle(good)[('S1', '54138969')]['name'] == 'cam'
    good.write_bytes(pickle.dumps(cams, protocol=5))  # numpy's _frombuffer
    got = load_pickle(good)[('S1', '54138969')]
    np.testing.assert_array_equal(got['R'], np.eye(3))
    assert got['f'] == 2. and got['name'] == 'cam'
    # the opt-in is per call: it runs this call only
    load_pickle(path, trust=True)
    assert marker.exists()
    marker.unlink()
    with pytest.raises(DataFileError, match='refused'):
        load_pickle(path)
    assert not marker.exists()


# corrupt bytes whose first opcode makes the unpickler raise something
# other than UnpicklingError: BYTEARRAY8 with a huge length (OverflowError,
# seen in CI from os.urandom), truncated frames, a bad protocol
CORRUPT = [
    b'\x96bH\xf7T\xda\x17\x82\xc66\xae\xd1\xf4\x0f\x06\xf9n\x14',
    b'\x80\x04\x95', b'\x80\xff', b'', b'K', b'}q\x00(X\x05\x00',
    pickle.dumps({'a': np.zeros(3)})[:-7]]


@pytest.mark.parametrize('trust', [False, True])
def test_corrupt_and_hostile_pickles_get_different_messages(tmp_path, trust):
    bad = tmp_path / 'bad.pkl'
    rng = np.random.default_rng(0)
    fuzz = [rng.bytes(int(n)) for n in rng.integers(1, 96, 300)]
    for data in CORRUPT + fuzz:
        bad.write_bytes(data)
        with pytest.raises(DataFileError, match='not a readable pickle'):
            load_pickle(bad, trust=trust)


def test_videopose3d_npz_with_a_payload_is_refused(tmp_path):
    from poselift_mm.datasets.readers import read_videopose3d_3d
    marker = tmp_path / 'ran.txt'
    evil = tmp_path / 'data_3d_h36m.npz'
    np.savez(evil, positions_3d=np.array(
        {'S1': {'Walking': Payload(marker)}}, dtype=object))
    with pytest.raises(DataFileError, match='refused'):
        read_videopose3d_3d(evil)
    assert not marker.exists()
    good = tmp_path / 'good.npz'
    pos = np.zeros((4, 32, 3), np.float32)
    np.savez(good, positions_3d=np.array({'S1': {'Walking': pos}},
                                         dtype=object))
    got = load_npz(good, ('positions_3d', ), allow_pickle=True)
    np.testing.assert_array_equal(
        got['positions_3d'].item()['S1']['Walking'], pos)
    assert read_videopose3d_3d(good)['S1']['Walking'].shape == (4, 17, 3)


def test_dataset_refuses_a_hostile_camera_file(tmp_path, h36m_samples):
    from mmengine.registry import init_default_scope
    from mmpose.registry import DATASETS
    import poselift_mm  # noqa: F401
    init_default_scope('mmpose')
    path, marker = hostile_cameras(tmp_path)
    with pytest.raises(DataFileError, match='refused'):
        DATASETS.build(dict(
            type='PoseLiftH36MDataset',
            ann_file=str(h36m_samples / 'test_h36m_body3d.npz'),
            camera_param_file=str(path), seq_len=1, test_mode=True,
            pipeline=[]))
    assert not marker.exists()


def test_mocap_converter_refuses_a_hostile_camera_file(tmp_path,
                                                        shared_data):
    path, marker = hostile_cameras(tmp_path)
    bvh = shared_data / 'cmu_bvh' / '01_01.bvh'
    res = subprocess.run(
        [sys.executable, str(REPO / 'tools' / 'mocap_to_h36m.py'),
         str(tmp_path / 'out'), '--quiet', '--bvh', str(bvh),
         '--camera-subject', 'S1', '--split', 'test=CMU01', '--cameras',
         str(path)], capture_output=True, text=True, cwd=tmp_path)
    assert res.returncode == 2, res.stderr[-2000:]
    assert 'refused' in res.stderr and 'Traceback' not in res.stderr
    assert not marker.exists()
