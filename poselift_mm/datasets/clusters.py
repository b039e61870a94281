"""K-means of poses: the initial poses of ZeDO's optimisation
(:func:`make_clusters`, :func:`make_cluster_files`,
``tools/make_clusters.py``).

ZeDO starts its S hypotheses from an S-means clustering (one file per S,
``clusters/h36m_cluster{S}.npy``): :func:`make_cluster_files` writes one
clustering per S, in that ``.npy`` layout (S, 17, 3) float32 metres or in
this package's ``.npz`` (``poselift_mm.utils.initial_poses`` reads both).

Numpy with its own random stream, kept apart from the torch
``poselift_mm.stats.weighted_kmeans`` on purpose: ``tools/make_clusters.py``
(seed 0) reproduces the committed
``checkpoints/zedo/h36m-mocap_clusters50.npz`` only with this exact stream.
"""
import numpy as np

from poselift_mm.geometry import root_relative
from poselift_mm.utils.io import atomic_path, save_npz_atomic
from .readers import read_body3d_annotation

__all__ = ['kmeans', 'training_poses', 'make_clusters', 'make_cluster_files']


def kmeans(x: np.ndarray, k: int, iters: int = 50, seed: int = 0,
           chunk: int = 65536):
    """Lloyd's K-means with k-means++ seeding. x: (N, D) -> centres (k, D),
    labels (N,), inertia (sum of squared distances)."""
    n = len(x)
    if not 1 <= k <= n:
        raise ValueError(f'--k must be between 1 and the {n} poses, got {k}')
    rng = np.random.default_rng(seed)
    centres = x[rng.integers(n)][None]
    d2 = ((x - centres[0])**2).sum(1)
    for _ in range(1, k):  # k-means++: one pass per centre, vectorised
        new = x[rng.choice(n, p=d2 / d2.sum()) if d2.sum() > 0 else
                rng.integers(n)]
        centres = np.vstack([centres, new])
        d2 = np.minimum(d2, ((x - new)**2).sum(1))

    def assign(c):
        labels = np.empty(n, np.int64)
        best = np.empty(n)
        c2 = (c**2).sum(1)
        for s in range(0, n, chunk):  # chunks bound the (chunk, k) matrix
            d = c2[None] - 2 * x[s:s + chunk] @ c.T
            labels[s:s + chunk] = d.argmin(1)
            best[s:s + chunk] = d.min(1)
        return labels, best + (x**2).sum(1)

    for _ in range(iters):
        labels, _ = assign(centres)
        counts = np.bincount(labels, minlength=k)
        sums = np.zeros_like(centres)
        np.add.at(sums, labels, x)
        moved = np.where(counts[:, None] > 0,
                         sums / np.maximum(counts, 1)[:, None], centres)
        if np.allclose(moved, centres):
            break
        centres = moved
    labels, dist2 = assign(centres)
    return centres, labels, float(dist2.sum())


def training_poses(ann_files, root_index: int = 0, max_poses: int = 0,
                   seed: int = 0) -> np.ndarray:
    """The ``S`` poses of Human3.6M-format annotation files, root-relative
    -> (N, K, 3) camera-frame metres; with ``max_poses`` (0: all) a random
    subset of that many (``default_rng(seed)``)."""
    poses = np.concatenate([
        root_relative(read_body3d_annotation(path)['S'][..., :3].astype(
            np.float64), root_index) for path in ann_files
    ])
    rng = np.random.default_rng(seed)
    if max_poses and len(poses) > max_poses:
        poses = poses[rng.choice(len(poses), max_poses, replace=False)]
    return poses


def _write(out, poses: np.ndarray, k: int, seed: int) -> dict:
    """K-means of (N, K, 3) poses into ``out``: ``.npy`` -> ZeDO's layout
    (most populated first), else the ``.npz`` (clusters, counts,
    inertia_m2)."""
    centres, labels, inertia = kmeans(poses.reshape(len(poses), -1), k,
                                      seed=seed)
    centres = centres.reshape((-1, ) + poses.shape[1:])
    counts = np.bincount(labels, minlength=k)
    if str(out).endswith('.npy'):
        order = np.argsort(-counts, kind='stable')
        with atomic_path(out) as tmp:
            with open(tmp, 'wb') as f:
                np.save(f, centres[order].astype(np.float32))
    else:
        save_npz_atomic(out, clusters=centres, counts=counts,
                        inertia_m2=inertia)
    return dict(k=k, out=str(out), num_poses=len(poses),
                rms_m=float(np.sqrt(inertia / len(poses))))


def make_clusters(ann_files, k: int, out, root_index: int = 0,
                  max_poses: int = 200000, seed: int = 0) -> dict:
    """K-means of :func:`training_poses` written atomically to ``out``:
    ``.npz``: ``clusters`` (K, 17, 3) metres, ``counts`` (K,),
    ``inertia_m2`` (the sum of squared distances to the centres); ``.npy``:
    ZeDO's (K, 17, 3) float32, most populated first. Returns ``num_poses``
    and ``rms_m``, the RMS 51-D distance of a pose to its centre."""
    return make_cluster_files(ann_files, [k], out, root_index, max_poses,
                              seed)[0]


def make_cluster_files(ann_files, ks, out, root_index: int = 0,
                       max_poses: int = 200000, seed: int = 0) -> list:
    """One K-means per K in ``ks`` (ZeDO's per-S start poses) of the same
    :func:`training_poses`, each written to ``out`` with ``{k}`` replaced
    by K (required for several K). Returns :func:`make_clusters`'s dict per
    file."""
    ks = [int(k) for k in ks]
    if len(ks) > 1 and '{k}' not in str(out):
        raise ValueError(f'several --k {ks} need {{k}} in --out (e.g. '
                         f'h36m_cluster{{k}}.npy), got {out!r}')
    poses = training_poses(ann_files, root_index, max_poses, seed)
    return [_write(str(out).replace('{k}', str(k)), poses, k, seed)
            for k in ks]
