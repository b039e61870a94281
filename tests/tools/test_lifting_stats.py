"""tools/lifting_stats.py (poselift_mm.apis.lifting_stats):
ImagePoseLifting statistics, hand-computed, and clear errors on bad
files."""
import importlib.util
from pathlib import Path

import numpy as np
import pytest

from poselift_mm.apis.lifting_stats import lifting_stats

TOOL = Path(__file__).resolve().parents[2] / 'tools' / 'lifting_stats.py'


@pytest.fixture(scope='module')
def tool():
    spec = importlib.util.spec_from_file_location('lifting_stats', TOOL)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def write(path, S, part):
    np.savez(path, S=S, part=part)
    return str(path)


def test_hand_computed(tmp_path):
    S = np.zeros((2, 3, 4))
    S[0, :, :3] = [[1., 1., 5.], [2., 1., 5.], [1., 3., 5.]]
    S[1, :, :3] = [[0., 0., 4.], [3., 0., 4.], [0., 1., 4.]]
    part = np.zeros((2, 3, 3))
    part[0, :, :2] = [[10., 20.], [30., 40.], [50., 60.]]
    part[1, :, :2] = [[12., 22.], [32., 42.], [52., 62.]]
    st = lifting_stats(write(tmp_path / 'a.npz', S, part))
    # root-relative, root removed: joint 1 = (1,0,0) and (3,0,0); joint 2 =
    # (0,2,0) and (0,1,0)
    np.testing.assert_allclose(st['target_mean'], [[2., 0., 0.],
                                                   [0., 1.5, 0.]])
    np.testing.assert_allclose(st['target_std'], [[1., 0., 0.],
                                                  [0., 0.5, 0.]])
    np.testing.assert_allclose(st['keypoints_mean'],
                               [[11., 21.], [31., 41.], [51., 61.]])
    np.testing.assert_allclose(st['keypoints_std'], np.ones((3, 2)))
    assert st['num_rows'] == 2
    st2 = lifting_stats(str(tmp_path / 'a.npz'), sample_stride=2)
    assert st2['num_rows'] == 1


def test_bad_files_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='annotation file not found'):
        lifting_stats(str(tmp_path / 'missing.npz'))
    path = tmp_path / 'nos.npz'
    np.savez(path, part=np.zeros((2, 3, 3)))
    with pytest.raises(KeyError, match="has no 'S' array"):
        lifting_stats(str(path))
    S = np.zeros((2, 3, 4))
    S[1, 2, 0] = np.nan
    with pytest.raises(ValueError, match='non-finite values'):
        lifting_stats(write(tmp_path / 'nan.npz', S, np.zeros((2, 3, 3))))


def test_cli_prints_config_literals(tool, tmp_path, capsys):
    S = np.random.default_rng(0).normal(size=(4, 17, 4))
    part = np.random.default_rng(1).normal(size=(4, 17, 3))
    root = tmp_path / 'root'
    (root / 'ann').mkdir(parents=True)
    write(root / 'ann' / 'train.npz', S, part)
    out = tmp_path / 'stats.npz'
    assert tool.main([str(root), '--ann-file', 'ann/train.npz', '--out',
                      str(out)]) == 0
    text = capsys.readouterr().out
    for name in ('target_mean', 'target_std', 'keypoints_mean',
                 'keypoints_std'):
        assert f'{name} = [[' in text
    with np.load(out) as z:
        assert z['target_mean'].shape == (16, 3)
        assert z['keypoints_std'].shape == (17, 2)
