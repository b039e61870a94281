"""ZeDO's start poses: per-S clusterings (``make_cluster_files``,
``tools/make_clusters.py --k 1 3 --out ...{k}.npy``) and the reader of both
layouts (``poselift_mm.utils.initial_poses``), on files in ZeDO's own layout.

ZeDO (ipl-uw/ZeDO-Release ``run/opt_main.py``) loads
``clusters/h36m_cluster{S}.npy`` for ``--hypo S``, an (S, 17, 3) float32
array in metres, and starts hypothesis ``sid`` from
``sample_poses[sid] - sample_poses[sid, 0]``.
"""
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from poselift_mm.datasets.clusters import make_cluster_files, make_clusters
from poselift_mm.datasets.synthetic import synthesize_h36m
from poselift_mm.utils.datafile import DataFileError
from poselift_mm.utils.initial_poses import (initial_poses_path,
                                             read_initial_poses)

REPO = Path(__file__).resolve().parents[2]


def zedo_cluster_file(root, s, seed=0):
    """clusters/h36m_cluster{S}.npy as ZeDO's release lays it out."""
    rng = np.random.default_rng(seed)
    poses = (rng.normal(size=(s, 17, 3)) * 0.3).astype(np.float32)
    poses[:, 0] += [0.1, -0.2, 0.05]  # roots need not be at zero
    path = root / 'clusters' / f'h36m_cluster{s}.npy'
    path.parent.mkdir(exist_ok=True)
    np.save(path, poses)
    return poses


def opt_main_start_poses(sample_poses):
    """opt_main.py: ``noisy_gt_3d * (sample_poses - sample_poses[:, 0:1,
    :])[sid:sid+1]`` for sid in range(S)."""
    return np.stack([(sample_poses - sample_poses[:, 0:1, :])[sid]
                     for sid in range(len(sample_poses))])


def test_zedo_per_s_files(tmp_path):
    files = {s: zedo_cluster_file(tmp_path, s, seed=s) for s in (1, 3)}
    pattern = str(tmp_path / 'clusters' / 'h36m_cluster{num}.npy')
    for s, poses in files.items():
        got = read_initial_poses(pattern, s)
        assert got.dtype == np.float32 and got.shape == (s, 17, 3)
        np.testing.assert_array_equal(got, opt_main_start_poses(poses))
    assert initial_poses_path(pattern, 3).endswith('h36m_cluster3.npy')
    # fewer hypotheses than poses: the first ones, in file order
    np.testing.assert_array_equal(read_initial_poses(pattern.replace(
        '{num}', '3'), 2), opt_main_start_poses(files[3])[:2])


def test_readme_pickle_layout(tmp_path):
    # the README names the files .pkl: a pickle of the same array
    poses = zedo_cluster_file(tmp_path, 3)
    with open(tmp_path / 'h36m_cluster3.pkl', 'wb') as f:
        pickle.dump(poses, f)
    np.testing.assert_array_equal(
        read_initial_poses(str(tmp_path / 'h36m_cluster{num}.pkl'), 3),
        opt_main_start_poses(poses))


def test_make_clusters_npz_most_populated_first(tmp_path):
    paths = synthesize_h36m(str(tmp_path), splits=dict(train=('S1', )),
                            num_frames=20, seed=0)
    out = tmp_path / 'c.npz'
    make_clusters([paths['train']], 4, out, max_poses=0)
    data = np.load(out)
    order = np.argsort(-data['counts'], kind='stable')
    expected = data['clusters'][order] - data['clusters'][order][:, :1]
    np.testing.assert_allclose(read_initial_poses(str(out), 3),
                               expected[:3].astype(np.float32))


def test_per_s_clusterings(tmp_path):
    paths = synthesize_h36m(str(tmp_path), splits=dict(train=('S1', )),
                            num_frames=20, seed=0)
    infos = make_cluster_files([paths['train']], [1, 3],
                               tmp_path / 'h36m_cluster{k}.npy', max_poses=0)
    assert [i['k'] for i in infos] == [1, 3]
    one = np.load(tmp_path / 'h36m_cluster1.npy')
    three = np.load(tmp_path / 'h36m_cluster3.npy')
    assert one.shape == (1, 17, 3) and three.shape == (3, 17, 3)
    assert one.dtype == three.dtype == np.float32
    # S = 1 is the mean pose; S = 3 is a 3-means clustering of its own,
    # the same as a single run with --k 3 (one random stream per file)
    ann = np.load(paths['train'])['S'][..., :3]
    np.testing.assert_allclose(one[0], (ann - ann[:, :1]).mean(0),
                               atol=1e-6)
    make_clusters([paths['train']], 3, tmp_path / 'single.npz', max_poses=0)
    single = np.load(tmp_path / 'single.npz')
    order = np.argsort(-single['counts'], kind='stable')
    np.testing.assert_allclose(three, single['clusters'][order], atol=1e-6)
    with pytest.raises(ValueError, match=r'\{k\}'):
        make_cluster_files([paths['train']], [1, 3], tmp_path / 'x.npy')


def test_make_clusters_tool_per_s(tmp_path):
    paths = synthesize_h36m(str(tmp_path), splits=dict(train=('S1', )),
                            num_frames=20, seed=0)
    proc = subprocess.run(
        [sys.executable, 'tools/make_clusters.py', paths['train'], '--k', '2',
         '3', '--out', str(tmp_path / 'clusters' / 'h36m_cluster{k}.npy')],
        cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count('clusters of') == 2
    pattern = str(tmp_path / 'clusters' / 'h36m_cluster{num}.npy')
    assert read_initial_poses(pattern, 2).shape == (2, 17, 3)
    assert read_initial_poses(pattern, 3).shape == (3, 17, 3)


def test_bad_files(tmp_path):
    poses = zedo_cluster_file(tmp_path, 3)
    path = str(tmp_path / 'clusters' / 'h36m_cluster3.npy')
    with pytest.raises(DataFileError, match='4 hypotheses.*3 poses'):
        read_initial_poses(path, 4)
    with pytest.raises(DataFileError, match='does not exist'):
        read_initial_poses(str(tmp_path / 'h36m_cluster{num}.npy'), 7)
    np.save(tmp_path / 'j12.npy', poses[:, :12])
    with pytest.raises(DataFileError, match='joint count'):
        read_initial_poses(str(tmp_path / 'j12.npy'), 1)
    bad = poses.copy()
    bad[1, 2, 0] = np.nan
    np.save(tmp_path / 'nan.npy', bad)
    with pytest.raises(DataFileError, match='non-finite'):
        read_initial_poses(str(tmp_path / 'nan.npy'), 3)
    np.savez(tmp_path / 'other.npz', poses=poses)
    with pytest.raises(DataFileError, match="'clusters'.*make_clusters"):
        read_initial_poses(str(tmp_path / 'other.npz'), 1)
