import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from poselift_mm.datasets.clusters import kmeans
from poselift_mm.datasets.synthetic import synthesize_h36m

REPO = Path(__file__).resolve().parents[2]


def test_kmeans_recovers_separated_blobs():
    rng = np.random.default_rng(0)
    centres = np.array([[0, 0], [10, 0], [0, 10]], float)
    x = np.concatenate([c + rng.normal(0, 0.1, (200, 2)) for c in centres])
    found, labels, inertia = kmeans(x, 3, seed=1)
    order = np.argsort(found[:, 0] * 100 + found[:, 1])
    np.testing.assert_allclose(found[order], centres[[0, 2, 1]], atol=0.05)
    assert np.bincount(labels).tolist() == [200, 200, 200]
    assert inertia == pytest.approx(((x - found[labels])**2).sum())


def test_k1_is_the_mean():
    x = np.random.default_rng(0).normal(size=(50, 6))
    found, _, _ = kmeans(x, 1)
    np.testing.assert_allclose(found[0], x.mean(0))


def test_bad_k():
    with pytest.raises(ValueError, match='--k must be between 1'):
        kmeans(np.zeros((3, 2)), 5)


def test_make_clusters_tool(tmp_path):
    paths = synthesize_h36m(str(tmp_path), splits=dict(train=('S1', )),
                            num_frames=20, seed=0)
    out = tmp_path / 'clusters.npz'
    proc = subprocess.run(
        [sys.executable, 'tools/make_clusters.py', paths['train'], '--k', '4',
         '--out', str(out)], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    data = np.load(out)
    assert data['clusters'].shape == (4, 17, 3)
    np.testing.assert_allclose(data['clusters'][:, 0], 0, atol=1e-12)
    assert data['counts'].sum() == 4 * 4 * 20
    bad = subprocess.run(
        [sys.executable, 'tools/make_clusters.py', str(tmp_path / 'no.npz'),
         '--out', str(out)], cwd=REPO, capture_output=True, text=True)
    assert bad.returncode == 2 and 'no.npz' in bad.stderr
