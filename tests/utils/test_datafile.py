"""The generic data-file primitives: errors name the file, key and problem."""
import pickle

import numpy as np
import pytest

from poselift_mm.utils.datafile import (DataFileError, check_array,
                                        format_key, load_npy, load_npz,
                                        load_pickle, object_item, open_npz,
                                        shape_str)


def test_message_helpers():
    assert shape_str((3, )) == '(3,)'
    assert shape_str([2, '*', 3]) == '(2, *, 3)'
    assert shape_str(()) == '()'
    assert format_key('part') == "'part'"
    assert format_key('positions_2d', 'S1', 0) == "positions_2d['S1'][0]"
    err = DataFileError('a.npz', "'S'", 'bad')
    assert isinstance(err, ValueError) and str(err) == "a.npz: key 'S': bad"
    assert str(DataFileError('a.npz', None, 'bad')) == 'a.npz: bad'


def test_check_array():
    a = check_array([[1, 2], [3, 4]], 'f.npz', "'x'", (None, 2))
    assert a.dtype == np.float64 and a.shape == (2, 2)
    with pytest.raises(DataFileError, match=r"f.npz: key 'x': expected "
                       r'shape \(\*, 3\), got shape \(2, 2\)'):
        check_array(a, 'f.npz', "'x'", (None, 3))
    with pytest.raises(DataFileError, match='wrong joint count: expected 17 '
                       'joints, got 2'):
        check_array(np.zeros((4, 2, 3)), 'f.npz', "'S'", (None, 17, 3), 1)
    with pytest.raises(DataFileError, match=r'1 non-finite values.*\(1, 0\)'):
        check_array([[0, 0], [np.nan, 0]], 'f.npz', "'x'", (2, 2))


def test_loaders(tmp_path):
    npz = tmp_path / 'a.npz'
    np.savez(npz, x=np.arange(3), d=np.array(dict(k=1), dtype=object))
    assert set(load_npz(npz, ('x', ))) == {'x'}
    with open_npz(npz) as data:
        assert sorted(data.files) == ['d', 'x']
    with pytest.raises(DataFileError, match=r"a.npz: key 'y': missing"):
        load_npz(npz, ('y', ))
    with pytest.raises(DataFileError, match='cannot read arrays'):
        load_npz(npz, ('d', ))
    d = load_npz(npz, ('d', ), allow_pickle=True)['d']
    assert object_item(d, npz, 'd') == dict(k=1)
    with pytest.raises(DataFileError, match="key 'x': expected a pickled "
                       'dict, got ndarray'):
        object_item(np.arange(3), npz, 'x')
    with pytest.raises(DataFileError, match='no.npz: file does not exist'):
        load_npz(tmp_path / 'no.npz')
    npy = tmp_path / 'b.npy'
    np.save(npy, np.ones(2))
    np.testing.assert_array_equal(load_npy(npy), np.ones(2))
    with pytest.raises(DataFileError, match='b.npy: expected an .npz'):
        open_npz(npy)
    with pytest.raises(DataFileError, match='a.npz: expected a single .npy'):
        load_npy(npz)
    pkl = tmp_path / 'c.pkl'
    pkl.write_bytes(pickle.dumps([1, 2]))
    assert load_pickle(pkl) == [1, 2]
    with pytest.raises(DataFileError, match='a.npz: not a readable pickle'):
        load_pickle(npz)
