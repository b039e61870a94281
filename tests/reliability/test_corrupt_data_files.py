"""Corrupt, truncated and foreign bytes in a data or keypoint file raise
the loader's own error naming the file, whatever the byte that broke it.

Seeded fuzzing: each case mutates or truncates a well-formed file (plain
and compressed .npz with an object member, a keypoint JSON, a pickle) and
checks that only DataFileError / InputError escape (CI once drew random
bytes that made the unpickler raise OverflowError; a member's deflate
stream fails with zlib.error only when it is read)."""
import io
import json
import pickle

import numpy as np
import pytest

from poselift_mm.apis.keypoint_files import InputError, read_tracks
from poselift_mm.utils.datafile import DataFileError, load_npz, load_pickle


def _npz(compressed: bool) -> bytes:
    buf = io.BytesIO()
    save = np.savez_compressed if compressed else np.savez
    save(buf, keypoints=np.zeros((30, 17, 2)), scores=np.ones((30, 17)),
         o=np.array({'S1': np.ones(3)}, dtype=object))
    return buf.getvalue()


def _json() -> bytes:
    frames = [dict(frame_id=i, instances=[dict(
        keypoints=[[1.0, 2.0]] * 17, keypoint_scores=[0.9] * 17)])
        for i in range(3)]
    return json.dumps(frames).encode()


def _mutants(good: bytes, n: int, seed: int):
    """``n`` corruptions of ``good``: truncations, a few flipped bytes,
    random bytes."""
    rng = np.random.default_rng(seed)
    for i in range(n):
        if i % 3 == 0:
            yield good[:int(rng.integers(0, len(good)))]
        elif i % 3 == 1:
            b = bytearray(good)
            for _ in range(int(rng.integers(1, 6))):
                b[int(rng.integers(len(b)))] = int(rng.integers(256))
            yield bytes(b)
        else:
            yield rng.bytes(int(rng.integers(0, 512)))


@pytest.mark.parametrize('compressed', [False, True])
def test_corrupt_npz_is_a_data_file_error(tmp_path, compressed):
    path = tmp_path / 'ann.npz'
    for k, data in enumerate(_mutants(_npz(compressed), 240, 3)):
        path.write_bytes(data)
        for allow_pickle in (False, True):
            try:
                load_npz(path, ('keypoints', ), ('o', ),
                         allow_pickle=allow_pickle)
            except DataFileError as e:
                assert str(path) in str(e)
            except Exception as e:  # noqa: BLE001
                pytest.fail(f'mutant {k} escaped as {type(e).__name__}: {e}')


@pytest.mark.parametrize('ext', ['.npz', '.json'])
def test_corrupt_keypoint_file_is_an_input_error(tmp_path, ext):
    path = tmp_path / f'keypoints{ext}'
    good = _npz(False) if ext == '.npz' else _json()
    for k, data in enumerate(_mutants(good, 240, 4)):
        path.write_bytes(data)
        try:
            read_tracks(str(path))
        except InputError as e:
            assert str(path) in str(e)
        except Exception as e:  # noqa: BLE001
            pytest.fail(f'mutant {k} escaped as {type(e).__name__}: {e}')


def test_corrupt_pickle_is_a_data_file_error(tmp_path):
    path = tmp_path / 'cameras.pkl'
    good = pickle.dumps({'S1': {'R': np.eye(3), 'name': 'cam'}}, protocol=4)
    for k, data in enumerate(_mutants(good, 240, 5)):
        path.write_bytes(data)
        try:
            load_pickle(path)
        except DataFileError as e:
            assert str(path) in str(e)
        except Exception as e:  # noqa: BLE001
            pytest.fail(f'mutant {k} escaped as {type(e).__name__}: {e}')
