"""Weighted, batched k-means (k-means++ seeding + Lloyd) on hand-made sets."""
import pytest
import torch

from poselift_mm.stats import (kmeans_pp, lloyd, nearest_centre,
                               weighted_kmeans)

D = torch.float64
# two groups of three tight 2D clusters, 4 points each
CENTRES = torch.tensor([[[0., 0.], [10., 0.], [0., 10.]],
                        [[-5., -5.], [5., 5.], [20., -3.]]], dtype=D)
OFFSETS = torch.tensor([[0.1, 0.], [-0.1, 0.], [0., 0.1], [0., -0.1]],
                       dtype=D)
X = (CENTRES[:, :, None] + OFFSETS).reshape(2, 12, 2)


def sort_rows(c):
    order = torch.argsort(c[..., 0] * 1000 + c[..., 1], dim=-1)
    return c.gather(-2, order[..., None].expand_as(c))


def test_recovers_hand_made_clusters():
    out = weighted_kmeans(X, 3, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(sort_rows(out['centres']), sort_rows(CENTRES),
                               rtol=0, atol=1e-12)
    # 12 points, each 0.1 from its centre
    torch.testing.assert_close(out['inertia'],
                               torch.full((2, ), 12 * 0.01, dtype=D))
    counts = torch.stack([torch.bincount(lab, minlength=3)
                          for lab in out['labels']])
    assert counts.tolist() == [[4, 4, 4], [4, 4, 4]]


def test_seeding_takes_one_point_per_cluster_and_only_weighted_points():
    g = torch.Generator().manual_seed(1)
    seeds = kmeans_pp(X, torch.ones(2, 12, dtype=D), 3, g)
    labels, _ = nearest_centre(seeds, CENTRES)
    assert sorted(labels[0].tolist()) == [0, 1, 2]
    assert sorted(labels[1].tolist()) == [0, 1, 2]
    w = torch.zeros(2, 12, dtype=D)
    w[:, :4] = 1.  # only the first cluster's points carry weight
    seeds = kmeans_pp(X, w, 2, g)
    torch.testing.assert_close(seeds.sub(CENTRES[:, :1]).abs().max(),
                               torch.tensor(0.1, dtype=D))


def test_k1_is_the_weighted_mean():
    w = torch.rand(2, 12, dtype=D, generator=torch.Generator().manual_seed(2))
    out = weighted_kmeans(X, 1, w)
    mean = (w[..., None] * X).sum(1) / w.sum(1, keepdim=True)
    torch.testing.assert_close(out['centres'][:, 0], mean)


def test_lloyd_keeps_a_centre_without_points():
    far = torch.tensor([[[100., 100.]]], dtype=D).expand(2, 1, 2)
    start = torch.cat([CENTRES[:, :1] + 1., far], 1)
    out = lloyd(X, start, torch.ones(2, 12, dtype=D))
    torch.testing.assert_close(out['centres'][:, 1], far[:, 0])
    torch.testing.assert_close(out['centres'][:, 0], X.mean(1))


def test_chunks_do_not_change_the_assignment():
    a = nearest_centre(X, CENTRES)
    b = nearest_centre(X, CENTRES, chunk_size=5)
    assert torch.equal(a[0], b[0])
    torch.testing.assert_close(a[1], b[1])


def test_bad_input():
    with pytest.raises(ValueError, match='need 1 <= k <= 12'):
        weighted_kmeans(X, 13)
    with pytest.raises(ValueError, match=r'\(G, P, D\)'):
        weighted_kmeans(X[0], 2)
    with pytest.raises(ValueError, match='positive sum'):
        weighted_kmeans(X, 2, torch.zeros(2, 12, dtype=D))
    with pytest.raises(ValueError, match='NaN'):
        weighted_kmeans(X * float('nan'), 2)
