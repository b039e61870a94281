"""Tests for poselift_mm.geometry.pose: Procrustes alignment and MPJPE."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from poselift_mm.geometry import (quaternion_to_matrix,
                                  mpjpe, p_mpjpe, procrustes_align,
                                  root_relative)

PROPS = settings(max_examples=30, deadline=None)
MIRROR = np.diag([-1.0, 1.0, 1.0])



def random_rotations(rng, shape):
    """(*shape, 3, 3) random proper rotations."""
    q = rng.normal(size=(int(np.prod(shape)), 4))
    return quaternion_to_matrix(q).reshape(*shape, 3, 3)


def similarity(x, scale, R, t):
    """x: (..., K, 3) -> scale * R @ x + t; scale (...,), R (..., 3, 3)."""
    scale, t = np.asarray(scale), np.asarray(t)
    return scale[..., None, None] * x @ np.swapaxes(R, -1, -2) + \
        t[..., None, :]


rotations = st.lists(st.floats(-1, 1), min_size=4, max_size=4).filter(
    lambda q: sum(v * v for v in q) > 0.01).map(quaternion_to_matrix)
seeds = st.integers(0, 2**32 - 1)
scales = st.floats(0.1, 10.0)
translations = st.lists(st.floats(-10, 10), min_size=3,
                        max_size=3).map(np.array)


# --------------------------------------------------- root_relative / mpjpe
def test_root_relative():
    x = np.arange(2 * 4 * 3, dtype=np.float64).reshape(2, 4, 3)
    out = root_relative(x)
    np.testing.assert_array_equal(out[:, 0], 0.0)
    np.testing.assert_array_equal(out, x - x[:, :1])
    np.testing.assert_array_equal(root_relative(x, root=-1), x - x[:, 3:4])
    with pytest.raises(ValueError, match='root=4 is out of range for 4 '
                       'joints'):
        root_relative(x, root=4)


def test_mpjpe_known_value_and_shape():
    target = np.random.default_rng(0).normal(size=(2, 5, 17, 3))
    pred = target + np.array([3.0, 4.0, 0.0])
    pred[1, 2, 0, 2] += 17.0  # that joint is sqrt(9 + 16 + 289) away
    err = mpjpe(pred, target)
    assert err.shape == (2, 5)
    np.testing.assert_allclose(np.delete(err.ravel(), 7), 5.0)
    np.testing.assert_allclose(err[1, 2],
                               (16 * 5.0 + np.sqrt(9 + 16 + 17**2)) / 17)


# ---------------------------------------------------- procrustes properties
@PROPS
@given(R=rotations, scale=scales, t=translations, seed=seeds,
       num_joints=st.integers(4, 20))
def test_procrustes_recovers_similarity(R, scale, t, seed, num_joints):
    pred = np.random.default_rng(seed).normal(size=(num_joints, 3))
    target = similarity(pred, scale, R, t)
    aligned, (s_hat, R_hat, t_hat) = procrustes_align(
        pred, target, return_transform=True)
    assert np.abs(aligned - target).max() < 1e-6
    np.testing.assert_allclose(s_hat, scale, rtol=1e-9)
    np.testing.assert_allclose(R_hat, R, atol=1e-9)
    np.testing.assert_allclose(t_hat, t, atol=1e-8)
    np.testing.assert_allclose(similarity(pred, s_hat, R_hat, t_hat),
                               aligned, atol=1e-9)
    assert p_mpjpe(pred, target) < 1e-6
    assert p_mpjpe(pred + 100.0, target) < 1e-6


@PROPS
@given(R=rotations, seed=seeds, num_joints=st.integers(8, 20))
def test_procrustes_reflection(R, seed, num_joints):
    pred = np.random.default_rng(seed).normal(size=(num_joints, 3))
    mirrored = pred @ MIRROR @ R.T  # an improper transform (det -1) of pred
    aligned, (_, R_hat, _) = procrustes_align(
        pred, mirrored, allow_reflection=True, return_transform=True)
    assert np.abs(aligned - mirrored).max() < 1e-6
    assert np.linalg.det(R_hat) == pytest.approx(-1.0, abs=1e-9)

    aligned, (s_hat, R_hat, _) = procrustes_align(pred, mirrored,
                                                  return_transform=True)
    assert np.linalg.det(R_hat) == pytest.approx(1.0, abs=1e-9)
    np.testing.assert_allclose(R_hat @ R_hat.T, np.eye(3), atol=1e-9)
    # scale and translation are the least-squares optimum for that rotation
    P, Q = pred - pred.mean(0), mirrored - mirrored.mean(0)
    best_scale = ((P @ R_hat.T) * Q).sum() / (P * P).sum()
    assert s_hat == pytest.approx(best_scale, rel=1e-9)
    np.testing.assert_allclose(aligned.mean(0), mirrored.mean(0), atol=1e-9)
    assert p_mpjpe(pred, mirrored) > 1e-3  # a rotation cannot undo a mirror
    assert p_mpjpe(pred, mirrored, allow_reflection=True) < 1e-6


@PROPS
@given(seed=seeds, batch_shape=st.sampled_from([(3, ), (2, 4), (1, 1, 2)]))
def test_procrustes_batched_per_sample_transforms(seed, batch_shape):
    rng = np.random.default_rng(seed)
    pred = rng.normal(size=(*batch_shape, 17, 3))
    scale = rng.uniform(0.2, 5.0, batch_shape)
    R = random_rotations(rng, batch_shape)
    t = rng.normal(0, 5, (*batch_shape, 3))
    target = similarity(pred, scale, R, t)
    aligned, (s_hat, R_hat, t_hat) = procrustes_align(
        pred, target, return_transform=True)
    assert aligned.shape == pred.shape and s_hat.shape == batch_shape
    assert R_hat.shape == (*batch_shape, 3, 3)
    assert t_hat.shape == (*batch_shape, 3)
    assert np.abs(aligned - target).max() < 1e-6
    np.testing.assert_allclose(R_hat, R, atol=1e-9)
    # each sample matches its own unbatched alignment
    last = procrustes_align(pred.reshape(-1, 17, 3)[-1],
                            target.reshape(-1, 17, 3)[-1])
    np.testing.assert_allclose(last, aligned.reshape(-1, 17, 3)[-1],
                               atol=1e-9)
    assert p_mpjpe(pred, target).shape == batch_shape


def test_procrustes_noisy_is_optimal():
    """The result beats small perturbations of its transform."""
    rng = np.random.default_rng(5)
    pred = rng.normal(size=(17, 3))
    target = similarity(pred, 1.3, quaternion_to_matrix([0.7, 0.2, 0.5, -0.1]),
                        [1.0, -2.0, 0.5])
    target += rng.normal(0, 0.05, target.shape)
    aligned, (s, R, t) = procrustes_align(pred, target, return_transform=True)
    best = ((aligned - target)**2).sum()
    for _ in range(20):
        dR = quaternion_to_matrix(np.r_[1.0, rng.normal(0, 0.01, 3)])
        trial = similarity(pred, s * (1 + rng.normal(0, 0.01)), dR @ R,
                           t + rng.normal(0, 0.01, 3))
        assert ((trial - target)**2).sum() > best


def test_procrustes_float32_stable_in_millimetres():
    rng = np.random.default_rng(6)
    pred = rng.normal(0, 300, (64, 17, 3))
    R = random_rotations(rng, (64, ))
    target = similarity(pred, 1.1, R, rng.normal(0, 3000, (64, 3)))
    for kind in (lambda a: a.astype(np.float32),
                 lambda a: torch.tensor(a, dtype=torch.float32)):
        err = p_mpjpe(kind(pred), kind(target))
        assert err.dtype in (np.float32, torch.float32)
        # mm; poses ~1000 mm wide, ~5000 mm from the origin
        assert float(err.max()) < 5e-4


def test_procrustes_degenerate_inputs_stay_finite():
    target = np.random.default_rng(7).normal(size=(17, 3))
    # every joint at one point: scale 0, aligned = target centroid
    aligned = procrustes_align(np.ones((17, 3)), target)
    np.testing.assert_allclose(aligned,
                               np.broadcast_to(target.mean(0), target.shape),
                               atol=1e-12)
    # a rank-2 (planar) pose: the rotation is still recovered
    planar = target * [1.0, 1.0, 0.0]
    moved = similarity(planar, 2.0, quaternion_to_matrix([0.3, 0.4, -0.5, 0.6]),
                       [1.0, 2.0, 3.0])
    assert p_mpjpe(planar, moved) < 1e-9


# ------------------------------------------------------ kinds and gradients
def _all_pose_calls(pred, target):
    return [(root_relative(pred), pred.shape), (mpjpe(pred, target), (3, )),
            (p_mpjpe(pred, target), (3, )),
            (procrustes_align(pred, target), pred.shape)]


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
def test_numpy_in_numpy_out(dtype):
    rng = np.random.default_rng(8)
    pred, target = rng.normal(size=(2, 3, 17, 3)).astype(dtype)
    for out, shape in _all_pose_calls(pred, target):
        assert isinstance(out, np.ndarray)
        assert out.dtype == dtype and out.shape == shape
    _, transform = procrustes_align(pred, target, return_transform=True)
    for a in transform:
        assert isinstance(a, np.ndarray) and a.dtype == dtype


@pytest.mark.parametrize('dtype', [torch.float32, torch.float64])
def test_torch_in_torch_out(dtype):
    gen = torch.Generator().manual_seed(0)
    pred, target = torch.randn(2, 3, 17, 3, dtype=dtype, generator=gen)
    for out, shape in _all_pose_calls(pred, target):
        assert isinstance(out, torch.Tensor)
        assert out.dtype == dtype and tuple(out.shape) == tuple(shape)
    _, transform = procrustes_align(pred, target, return_transform=True)
    for a in transform:
        assert isinstance(a, torch.Tensor) and a.dtype == dtype


def test_gradients_flow_through_procrustes():
    gen = torch.Generator().manual_seed(1)
    pred, target = torch.randn(2, 2, 8, 3, dtype=torch.float64,
                               generator=gen)
    pred.requires_grad_()
    target.requires_grad_()
    torch.autograd.gradcheck(procrustes_align, (pred, target))
    pred32 = pred.detach().float().requires_grad_()
    p_mpjpe(pred32, target.detach().float()).sum().backward()
    assert torch.isfinite(pred32.grad).all() and pred32.grad.abs().sum() > 0


# ---------------------------------------------------------------- bad input
def test_bad_pose_inputs_raise():
    pose = np.zeros((4, 17, 3))
    with pytest.raises(ValueError, match=r'target: expected 17 joints in '
                       r'shape \(\.\.\., 17, 3\), got shape \(4, 16, 3\)'):
        procrustes_align(pose, np.zeros((4, 16, 3)))
    with pytest.raises(ValueError, match=r'pred: expected shape '
                       r'\(\.\.\., 3\), got shape \(4, 17, 2\)'):
        procrustes_align(np.zeros((4, 17, 2)), pose)
    bad = pose.copy()
    bad[2, 5, 1] = np.nan
    with pytest.raises(ValueError, match=r'pred contains 1 non-finite values '
                       r'\(NaN/inf\)'):
        p_mpjpe(bad, pose)
    with pytest.raises(ValueError, match='target contains 1 non-finite'):
        mpjpe(pose, bad)
    with pytest.raises(ValueError, match=r'pred: expected shape '
                       r'\(\.\.\., K, 3\), got shape \(3,\)'):
        mpjpe(np.zeros(3), np.zeros(3))
