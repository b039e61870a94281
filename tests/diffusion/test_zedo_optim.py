"""ZeDO's optimisation pieces (quaternion, LS translation, IPO, OIL) and the
'scaled' reverse step, against hand-computed or independently computed
values (numpy least squares, ``project_onto_rays``)."""
import math

import numpy as np
import pytest
import torch

from poselift_mm.diffusion.sde import SubVPSDE, reverse_step
from poselift_mm.diffusion.zedo_optim import (ipo, ls_translation, oil,
                                              oil_step_size,
                                              reprojection_error,
                                              snap_fractions)
from poselift_mm.geometry.skeleton import \
    quaternion_to_matrix as quaternion_matrix_unnormalized
from poselift_mm.geometry import (pixels_to_rays, project_onto_rays,
                                  project_to_pixels)

D = torch.float64

# A standing Human3.6M-17 pose in the camera frame (x right, y down, z
# forward), metres, pelvis at the origin.
POSE = torch.tensor(
    [[0., 0., 0.], [-0.13, 0., 0.02], [-0.14, 0.45, 0.03], [-0.15, 0.88, 0.08],
     [0.13, 0., -0.02], [0.14, 0.45, 0.], [0.15, 0.88, 0.05],
     [0., -0.23, 0.02], [0., -0.48, 0.03], [0., -0.58, -0.06], [0., -0.68, 0.],
     [0.16, -0.45, 0.03], [0.30, -0.25, 0.05], [0.35, -0.02, -0.10],
     [-0.16, -0.45, 0.03], [-0.30, -0.25, 0.02], [-0.33, -0.03, -0.12]],
    dtype=D)


def unit(v):
    return v / v.norm(dim=-1, keepdim=True)


def rot_z(deg):
    """(N,) degrees -> (N, 3, 3) rotations about the camera z axis."""
    th = torch.as_tensor(deg, dtype=D) * math.pi / 180
    R = torch.zeros(th.shape + (3, 3), dtype=D)
    R[..., 0, 0], R[..., 0, 1] = th.cos(), -th.sin()
    R[..., 1, 0], R[..., 1, 1] = th.sin(), th.cos()
    R[..., 2, 2] = 1.
    return R


def poses(n, seed=0):
    """(n, 17, 3) root-relative poses: POSE plus 3 cm noise."""
    g = torch.Generator().manual_seed(seed)
    x = POSE + 0.03 * torch.randn(n, 17, 3, generator=g, dtype=D)
    return x - x[:, :1]


def np_weighted_ls(x, rays, c, power):
    """Reference: per sample, numpy lstsq of the ray equations with
    least-squares weight ``c**power`` (rows scaled by ``c**(power/2)``)."""
    out = []
    for xs, rs, cs in zip(np.asarray(x), np.asarray(rays), np.asarray(c)):
        a = rs[:, :2] / rs[:, 2:3]
        rows = np.concatenate([
            np.stack([-np.ones(len(a)), np.zeros(len(a)), a[:, 0]], 1),
            np.stack([np.zeros(len(a)), -np.ones(len(a)), a[:, 1]], 1)
        ])
        rhs = np.concatenate(
            [xs[:, 0] - a[:, 0] * xs[:, 2], xs[:, 1] - a[:, 1] * xs[:, 2]])
        sw = np.concatenate([cs, cs])**(power / 2)
        t = np.linalg.lstsq(rows * sw[:, None], rhs * sw, rcond=None)[0]
        out.append(-t if t[2] < 0 else t)
    return np.stack(out)


# ---- quaternion ----------------------------------------------------------
def test_quaternion_identity_and_90deg_about_z():
    R = quaternion_matrix_unnormalized(torch.tensor([1., 0., 0., 0.],
                                                    dtype=D))
    torch.testing.assert_close(R, torch.eye(3, dtype=D), rtol=0, atol=0)
    h = math.sqrt(0.5)
    R = quaternion_matrix_unnormalized(torch.tensor([h, 0., 0., h], dtype=D))
    expected = torch.tensor([[0., -1., 0.], [1., 0., 0.], [0., 0., 1.]],
                            dtype=D)
    torch.testing.assert_close(R, expected, rtol=0, atol=1e-15)
    # x axis -> y axis (right-handed, counter-clockwise about z)
    torch.testing.assert_close(R @ torch.tensor([1., 0., 0.], dtype=D),
                               torch.tensor([0., 1., 0.], dtype=D),
                               rtol=0, atol=1e-15)


def test_quaternion_any_norm_is_the_normalised_rotation():
    g = torch.Generator().manual_seed(3)
    q = torch.randn(2, 5, 4, generator=g, dtype=D)
    norms = torch.tensor([0.05, 0.7, 1., 3.7, 40.], dtype=D)[None, :, None]
    R = quaternion_matrix_unnormalized(q * norms)
    assert R.shape == (2, 5, 3, 3)
    R1 = quaternion_matrix_unnormalized(unit(q))
    torch.testing.assert_close(R, R1, rtol=0, atol=1e-12)
    eye = torch.eye(3, dtype=D).expand(2, 5, 3, 3)
    torch.testing.assert_close(R @ R.transpose(-1, -2), eye, rtol=0,
                               atol=1e-12)
    torch.testing.assert_close(torch.linalg.det(R), torch.ones(2, 5,
                                                               dtype=D))


# ---- LS translation ------------------------------------------------------
T_TRUE = torch.tensor([[0.2, -0.1, 4.0], [-0.3, 0.25, 5.5],
                       [0.05, 0.4, 3.2]], dtype=D)


def test_ls_translation_recovers_T():
    x = poses(3)
    rays = unit(x + T_TRUE[:, None])
    w = torch.ones(3, 17, dtype=D)
    torch.testing.assert_close(ls_translation(x, rays, w), T_TRUE, rtol=0,
                               atol=1e-9)
    # rays of any positive length give the same lines
    lengths = torch.linspace(0.3, 7., 17, dtype=D)[None, :, None]
    torch.testing.assert_close(ls_translation(x, rays * lengths, w), T_TRUE,
                               rtol=0, atol=1e-9)
    # float32 as the lifter runs it
    t32 = ls_translation(x.float(), rays.float(), w.float())
    torch.testing.assert_close(t32, T_TRUE.float(), rtol=0, atol=1e-5)


def test_ls_translation_zero_weight_ignores_bad_rays():
    x = poses(3, seed=1)
    rays = unit(x + T_TRUE[:, None])
    bad = [3, 10, 13, 16]
    g = torch.Generator().manual_seed(5)
    noisy = rays.clone()
    noisy[:, bad] = unit(rays[:, bad] +
                         0.05 * torch.randn(3, 4, 3, generator=g, dtype=D))
    w = torch.ones(3, 17, dtype=D)
    # with full weight the noise moves T by centimetres ...
    assert (ls_translation(x, noisy, w) - T_TRUE).abs().max() > 1e-2
    w[:, bad] = 0.
    # ... with zero weight on those joints it is exact again
    torch.testing.assert_close(ls_translation(x, noisy, w), T_TRUE, rtol=0,
                               atol=1e-9)


def test_ls_translation_weights_enter_as_c4():
    x = poses(3, seed=2)
    g = torch.Generator().manual_seed(7)
    rays = unit(x + T_TRUE[:, None] +
                0.04 * torch.randn(3, 17, 3, generator=g, dtype=D))
    c = 0.1 + 0.9 * torch.rand(3, 17, generator=g, dtype=D)
    got = ls_translation(x, rays, c).numpy()
    ref4 = np_weighted_ls(x, rays, c, power=4)
    np.testing.assert_allclose(got, ref4, rtol=0, atol=1e-9)
    # the c^2 (or unweighted) solution is measurably different
    assert np.abs(got - np_weighted_ls(x, rays, c, power=2)).max() > 1e-3
    assert np.abs(got - np_weighted_ls(x, rays, c, power=0)).max() > 1e-3


def test_ls_translation_batched_equals_per_sample():
    x = poses(3, seed=4)
    g = torch.Generator().manual_seed(8)
    rays = unit(x + T_TRUE[:, None] +
                0.02 * torch.randn(3, 17, 3, generator=g, dtype=D))
    c = torch.rand(3, 17, generator=g, dtype=D)
    batched = ls_translation(x, rays, c)
    single = torch.cat(
        [ls_translation(x[i:i + 1], rays[i:i + 1], c[i:i + 1])
         for i in range(3)])
    torch.testing.assert_close(batched, single, rtol=0, atol=1e-12)


def test_ls_translation_flips_negative_depth():
    """As the original: a solution with T_z < 0 is negated."""
    x = poses(1, seed=6)
    T_behind = torch.tensor([[0.3, -0.2, -4.]], dtype=D)
    rays = -unit(x + T_behind[:, None])  # the same lines, z > 0
    assert (rays[..., 2] > 0).all()
    got = ls_translation(x, rays, torch.ones(1, 17, dtype=D))
    torch.testing.assert_close(got, -T_behind, rtol=0, atol=1e-9)


def test_ls_translation_tiny_uniform_weights_act_as_uniform():
    x = poses(3, seed=9)
    rays = unit(x + T_TRUE[:, None])
    got = ls_translation(x, rays, torch.full((3, 17), 1e-4, dtype=D))
    torch.testing.assert_close(got, T_TRUE, rtol=0, atol=1e-6)


# ---- reprojection error --------------------------------------------------
def test_reprojection_error_hand_value():
    x = torch.tensor([[[0.1, 0.2, 2.], [0., 0., 4.]]], dtype=D)
    f = torch.tensor([[1000., 1000.]], dtype=D)
    c = torch.tensor([[500., 500.]], dtype=D)
    # projections (550, 600) and (500, 500)
    uv = torch.tensor([[[553., 604.], [500., 500.]]], dtype=D)
    torch.testing.assert_close(reprojection_error(x, uv, f, c),
                               torch.tensor([[5., 0.]], dtype=D))


# ---- IPO -----------------------------------------------------------------
def ipo_problem():
    """Start poses rotated by known angles about z; the true translation on
    the root ray at 3 m times a scale inside (0.5, 2)."""
    n = 3
    R_true = rot_z([25., -40., 10.])
    x = POSE.expand(n, 17, 3)
    x0 = x @ R_true  # R_true^T applied: R_true @ x0 == x
    f = torch.tensor([[1145., 1143.]], dtype=D).expand(n, 2)
    c = torch.tensor([[512., 515.]], dtype=D).expand(n, 2)
    d = unit(torch.tensor([[0.1, -0.05, 1.], [-0.1, 0.05, 1.],
                           [0., 0.1, 1.]], dtype=D))
    T_true = d * 3. * torch.tensor([[1.3], [0.8], [1.5]], dtype=D)
    uv = project_to_pixels(x + T_true[:, None], f[:, None], c[:, None])
    rays = pixels_to_rays(uv, f[:, None], c[:, None])
    return x0, uv, rays, f, c, R_true, T_true


def test_ipo_recovers_rotation_and_depth():
    x0, uv, rays, f, c, R_true, T_true = ipo_problem()
    joints = [0, 1, 4]
    R0, T0 = ipo(x0, uv, rays, f, c, iters=0)  # the start: identity, 3 m
    torch.testing.assert_close(R0, torch.eye(3, dtype=D).expand(3, 3, 3))
    err0 = reprojection_error(x0 @ R0.transpose(1, 2) + T0[:, None], uv, f,
                              c)[:, joints]
    assert (err0.max(1).values > 15).all()

    R, T = ipo(x0, uv, rays, f, c, joints=joints, axes='z', iters=300,
               lr=0.02)
    err = reprojection_error(x0 @ R.transpose(1, 2) + T[:, None], uv, f,
                             c)[:, joints]
    assert err.max() < 1.5, err
    angle = torch.rad2deg(torch.atan2(R[:, 1, 0], R[:, 0, 0]))
    torch.testing.assert_close(angle, torch.tensor([25., -40., 10.],
                                                   dtype=D), rtol=0, atol=1.5)
    assert (T - T_true).norm(dim=1).max() < 0.05
    # T stays on the root's ray
    torch.testing.assert_close(unit(T), rays[:, 0], rtol=0, atol=1e-12)


def test_ipo_axes_mask():
    x0, uv, rays, f, c, _, _ = ipo_problem()
    # make the target need an x tilt too: z-only must not tilt
    tilt = torch.tensor([[1., 0., 0.], [0., math.cos(0.3), -math.sin(0.3)],
                         [0., math.sin(0.3), math.cos(0.3)]], dtype=D)
    x0 = x0 @ tilt
    R, _ = ipo(x0, uv, rays, f, c, axes='z', iters=30)
    torch.testing.assert_close(R[:, 2, 2], torch.ones(3, dtype=D), rtol=0,
                               atol=0)
    assert (R[:, 2, :2] == 0).all() and (R[:, :2, 2] == 0).all()
    assert (R[:, 0, 1].abs() > 1e-3).all()  # it did turn about z
    R, _ = ipo(x0, uv, rays, f, c, axes='xyz', iters=30)
    assert (R[:, 2, 2] < 1 - 1e-4).all()
    with pytest.raises(ValueError, match='axes'):
        ipo(x0, uv, rays, f, c, axes='zw', iters=1)


# ---- OIL -----------------------------------------------------------------
def zeros_fn(x, t):
    return torch.zeros_like(x)


def oil_problem(n=2, seed=11):
    """A pose, a translation, and rays from a *different* pose so that the
    ray snapping actually moves the joints."""
    x = poses(n, seed=seed)
    T = torch.tensor([[0.1, 0.2, 4.], [-0.2, 0.1, 5.]], dtype=D)[:n]
    g = torch.Generator().manual_seed(seed + 1)
    other = x + 0.05 * torch.randn(n, 17, 3, generator=g, dtype=D)
    rays = unit(other + T[:, None])
    return x, T, rays


def test_oil_one_corrected_iteration_hand_computed():
    x, T_in, rays = oil_problem()
    w = torch.ones(2, 17, dtype=D)
    sde = SubVPSDE()
    x1, T1 = oil(x, T_in, rays, w, zeros_fn, sde, iters=1, t_start=0.1,
                 t_end=0.01, fix_translation_iters=0, mode='corrected')
    # LS translation (numpy), snap (geometry.project_onto_rays), then the
    # PF-ODE step with zero score: x (1 + beta(0.1)/2 dt), beta(0.1) = 2.09,
    # dt = t_start - t_end = 0.09 for a single iteration
    T_ref = torch.from_numpy(np_weighted_ls(x, rays, w, power=4))
    torch.testing.assert_close(T1, T_ref, rtol=0, atol=1e-9)
    snapped = project_onto_rays(x + T_ref[:, None], rays) - T_ref[:, None]
    assert (snapped - x).abs().max() > 1e-3  # the snap did something
    torch.testing.assert_close(x1, snapped * (1 + 0.5 * 2.09 * 0.09),
                               rtol=0, atol=1e-9)


def test_oil_original_mode_two_iterations_hand_computed():
    """Fixed T, constant predicted noise E: ZeDO's update
    x + 1/N (beta/2 x - beta (2 - std) E) at t = 0.1 then 0.01."""
    x, T, rays = oil_problem()
    w = torch.ones(2, 17, dtype=D)
    E = torch.linspace(-1., 1., 51, dtype=D).reshape(1, 17, 3)
    sde = SubVPSDE()
    out, T_out = oil(x, T, rays, w, lambda xx, t: E.expand_as(xx), sde,
                     iters=2, t_start=0.1, t_end=0.01,
                     fix_translation_iters=2, mode='original')
    torch.testing.assert_close(T_out, T, rtol=0, atol=0)

    def std(t):
        lmc = -0.25 * t * t * 19.9 - 0.5 * t * 0.1
        return 1 - math.exp(2 * lmc)

    ref = x
    for t in (0.1, 0.01):
        beta = 0.1 + t * 19.9
        ref = project_onto_rays(ref + T[:, None], rays) - T[:, None]
        ref = ref + 1e-3 * (0.5 * beta * ref - beta * (2 - std(t)) * E)
    assert abs(std(0.1) - 0.10371783563789105) < 1e-12
    torch.testing.assert_close(out, ref, rtol=0, atol=1e-12)


def test_oil_snaps_onto_rays_before_the_diffusion_step():
    x, T, rays = oil_problem()
    seen = []

    def recorder(xx, t):
        seen.append((xx.clone(), t.clone()))
        return torch.zeros_like(xx)

    oil(x, T, rays, torch.ones(2, 17, dtype=D), recorder, SubVPSDE(),
        iters=1, fix_translation_iters=1, mode='corrected')
    (x_seen, t_seen), = seen
    on = x_seen + T[:, None]
    # on the lines: no component perpendicular to the ray, in front
    perp = on - (on * rays).sum(-1, keepdim=True) * rays
    assert perp.norm(dim=-1).max() < 1e-12
    assert ((on * rays).sum(-1) > 0).all()
    assert not torch.allclose(x_seen, x)  # x itself was off the rays
    torch.testing.assert_close(t_seen, torch.full((2, ), 0.1, dtype=D))


def test_oil_time_schedule_and_translation_switch():
    x, T, rays = oil_problem()
    seen = []

    def recorder(xx, t):
        seen.append(float(t[0]))
        return torch.zeros_like(xx)

    iters = 5
    _, T_out = oil(x, T, rays, torch.ones(2, 17, dtype=D), recorder,
                   SubVPSDE(), iters=iters, t_start=0.1, t_end=0.01,
                   fix_translation_iters=4, mode='corrected')
    np.testing.assert_allclose(seen, [0.1, 0.0775, 0.055, 0.0325, 0.01],
                               rtol=0, atol=1e-12)
    assert (T_out - T).abs().max() > 1e-4  # re-solved in the last step


def test_oil_scaled_equals_original_at_ref_iters():
    x, T, rays = oil_problem()
    w = torch.ones(2, 17, dtype=D)
    E = torch.linspace(-0.5, 0.8, 51, dtype=D).reshape(1, 17, 3)
    fn = lambda xx, t: E.expand_as(xx) * (1 + t[:, None, None])  # noqa
    kw = dict(iters=20, t_start=0.1, t_end=0.01, fix_translation_iters=5)
    xo, To = oil(x, T, rays, w, fn, SubVPSDE(), mode='original', **kw)
    xs, Ts = oil(x, T, rays, w, fn, SubVPSDE(), mode='scaled', ref_iters=20,
                 **kw)
    torch.testing.assert_close(xs, xo, rtol=0, atol=1e-12)
    torch.testing.assert_close(Ts, To, rtol=0, atol=1e-12)
    # half the iterations of the reference: each step is twice as long
    x1, _ = oil(x, T, rays, w, zeros_fn, SubVPSDE(), iters=1,
                fix_translation_iters=1, mode='scaled', ref_iters=2)
    snapped = project_onto_rays(x + T[:, None], rays) - T[:, None]
    torch.testing.assert_close(x1, snapped * (1 + 0.5 * 2.09 * 2e-3),
                               rtol=0, atol=1e-12)


def test_oil_step_size_values():
    sde = SubVPSDE(N=1000)
    assert oil_step_size('original', 1000, 0.1, 0.01, sde) is None
    assert oil_step_size('scaled', 100, 0.1, 0.01, sde) == pytest.approx(0.01)
    assert oil_step_size('scaled', 1000, 0.1, 0.01, sde) == pytest.approx(1e-3)
    assert oil_step_size('scaled', 50, 0.1, 0.01, sde,
                         ref_iters=200) == pytest.approx(4e-3)
    assert oil_step_size('corrected', 1000, 0.1, 0.01,
                         sde) == pytest.approx(0.09 / 999)
    assert oil_step_size('corrected', 1, 0.1, 0.01,
                         sde) == pytest.approx(0.09)
    with pytest.raises(ValueError, match='step mode'):
        oil_step_size('euler', 10, 0.1, 0.01, sde)
    x, T, rays = oil_problem()
    with pytest.raises(ValueError, match='step mode'):
        oil(x, T, rays, torch.ones(2, 17, dtype=D), zeros_fn, sde, iters=2,
            mode='Original')


# ---- reverse_step 'scaled' ----------------------------------------------
def test_reverse_step_scaled():
    sde = SubVPSDE()
    g = torch.Generator().manual_seed(2)
    x = torch.randn(4, 17, 3, generator=g, dtype=D)
    E = torch.randn(4, 17, 3, generator=g, dtype=D)
    score_fn = lambda xx, t: -E / sde.std(t)[:, None, None]  # noqa
    t = torch.tensor([0.1, 0.05, 0.02, 0.01], dtype=D)
    xo = reverse_step(x, t, score_fn, sde, mode='original')
    xs = reverse_step(x, t, score_fn, sde, mode='scaled', dt=1. / sde.N)
    torch.testing.assert_close(xs, xo, rtol=0, atol=1e-15)
    # the move is linear in dt
    x3 = reverse_step(x, t, score_fn, sde, mode='scaled', dt=3. / sde.N)
    torch.testing.assert_close(x3 - x, 3 * (xo - x), rtol=0, atol=1e-14)
    # hand value at t = 0.1 (beta 2.09, std 0.10371783563789105)
    ref = x[0] + 1e-3 * (0.5 * 2.09 * x[0] - 2.09 *
                         (2 - 0.10371783563789105) * E[0])
    torch.testing.assert_close(xo[0], ref, rtol=0, atol=1e-14)
    with pytest.raises(ValueError, match='needs dt'):
        reverse_step(x, t, score_fn, sde, mode='scaled')


# ---- confidence-weighted snapping (snap_power) -------------------------
def test_snap_fractions():
    conf = torch.tensor([[1., 0.5, 0.]], dtype=D)
    assert snap_fractions(conf, None) is None
    torch.testing.assert_close(snap_fractions(conf, 2.),
                               torch.tensor([[1., 0.25, 0.]], dtype=D))
    assert torch.equal(snap_fractions(conf, 0.), torch.ones_like(conf))
    with pytest.raises(ValueError, match='snap power'):
        snap_fractions(conf, -1.)


def test_oil_partial_snap_moves_a_fraction_of_the_way():
    x, T, rays = oil_problem()
    seen = []

    def recorder(xx, t):
        seen.append(xx.clone())
        return torch.zeros_like(xx)

    w = torch.ones(2, 17, dtype=D)
    oil(x, T, rays, w, recorder, SubVPSDE(), iters=1,
        fix_translation_iters=1, mode='corrected')
    full = seen[-1]
    snap = torch.rand(2, 17, generator=torch.Generator().manual_seed(0),
                      dtype=D)
    oil(x, T, rays, w, recorder, SubVPSDE(), iters=1,
        fix_translation_iters=1, mode='corrected', snap=snap)
    torch.testing.assert_close(seen[-1], x + snap[..., None] * (full - x),
                               rtol=0, atol=1e-12)
    # all ones: the original's full snap, bit for bit
    oil(x, T, rays, w, recorder, SubVPSDE(), iters=1,
        fix_translation_iters=1, mode='corrected', snap=torch.ones_like(w))
    assert torch.equal(seen[-1], full)
