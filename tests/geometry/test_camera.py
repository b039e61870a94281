"""Tests for poselift_mm.geometry.camera: real Human3.6M frames, properties."""
import pickle

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from poselift_mm.geometry import (quaternion_to_matrix,
                                  CameraParamError, camera_from_pkl,
                                  camera_to_world, pixels_to_rays,
                                  project_onto_rays, project_to_pixels,
                                  undistort_normalized, world_to_camera)

PROPS = settings(max_examples=30, deadline=None)
CAM = dict(f=np.array([1145.0, 1143.8]), c=np.array([512.5, 515.4]),
           k=np.array([-0.2, 0.24, -0.003]), p=np.array([-0.0014, -0.001]))



rotations = st.lists(st.floats(-1, 1), min_size=4, max_size=4).filter(
    lambda q: sum(v * v for v in q) > 0.01).map(quaternion_to_matrix)
seeds = st.integers(0, 2**32 - 1)
distortions = st.tuples(*[st.floats(-0.05, 0.05)] * 3,
                        *[st.floats(-0.005, 0.005)] * 2)


def points_in_cone(rng, shape, max_angle_deg=40.0):
    """Points 0.5-10 m in front of the camera, <= max_angle_deg off axis."""
    cos_theta = rng.uniform(np.cos(np.radians(max_angle_deg)), 1.0, shape)
    sin_theta = np.sqrt(1 - cos_theta**2)
    phi = rng.uniform(0, 2 * np.pi, shape)
    dirs = np.stack(
        (sin_theta * np.cos(phi), sin_theta * np.sin(phi), cos_theta), -1)
    return dirs * rng.uniform(0.5, 10.0, shape)[..., None]


# ---------------------------------------------------------------- real data
@pytest.fixture(scope='module')
def h36m_frames(h36m_samples):
    with open(h36m_samples / 'cameras.pkl', 'rb') as fh:
        cameras = pickle.load(fh)
    data = np.load(h36m_samples / 'test_h36m_body3d.npz')
    frames = []
    for name, S, part in zip(data['imgname'], data['S'], data['part']):
        # 'S1/S1_Directions_1.54138969/S1_Directions_1.54138969_000001.jpg'
        subject, folder = str(name).split('/')[:2]
        camera_id = folder.rsplit('.', 1)[1]
        cam = camera_from_pkl(cameras, subject, camera_id)
        frames.append(dict(name=str(name), subject=subject, cam=cam,
                           camera_id=camera_id, S=S, part=part))
    assert len(frames) == 4
    return cameras, frames


def test_real_frames_reproject_within_0p2_px_only_with_distortion(
        h36m_frames):
    for fr in h36m_frames[1]:
        cam, S, part = fr['cam'], fr['S'][:, :3], fr['part']
        visible = part[:, 2] > 0
        uv = project_to_pixels(S, cam['f'], cam['c'], cam['k'], cam['p'])
        uv_pinhole = project_to_pixels(S, cam['f'], cam['c'])
        err = np.linalg.norm(uv - part[:, :2], axis=-1)[visible].max()
        err_pinhole = np.linalg.norm(uv_pinhole - part[:, :2],
                                     axis=-1)[visible].max()
        assert err < 0.2, (fr['name'], err)
        assert err_pinhole > max(0.5, 10 * err), (fr['name'], err_pinhole)


def test_real_frames_rays_scaled_to_depth_reproduce_3d(h36m_frames):
    for fr in h36m_frames[1]:
        cam, S, part = fr['cam'], fr['S'][:, :3], fr['part']
        rays = pixels_to_rays(part[:, :2], cam['f'], cam['c'], cam['k'],
                              cam['p'])
        np.testing.assert_allclose(np.linalg.norm(rays, axis=-1), 1.0,
                                   atol=1e-12)
        x_cam = rays * (S[:, 2:3] / rays[:, 2:3])
        assert np.abs(x_cam - S).max() < 1e-3, fr['name']
        # snapping the true joints onto their rays moves them < 1 mm
        assert np.abs(project_onto_rays(S, rays) - S).max() < 1e-3


def _plausible_h36m_world(x_world):
    """z up, floor at z = 0, near the origin, head (10) above pelvis (0)."""
    return bool(-0.05 < x_world[:, 2].min() < 0.15
                and np.abs(x_world[:, :2]).max() < 3.0
                and x_world[10, 2] > x_world[0, 2])


def test_real_frames_world_round_trip_and_pkl_convention(h36m_frames):
    cameras, frames = h36m_frames
    raw_plausible = []
    for fr in frames:
        cam, S = fr['cam'], fr['S'][:, :3]
        raw = cameras[(fr['subject'], fr['camera_id'])]
        # cameras.pkl stores R camera->world; camera_from_pkl transposes it
        np.testing.assert_array_equal(cam['R'], raw['R'].T)
        x_world = camera_to_world(S, cam['R'], cam['T'])
        np.testing.assert_allclose(
            world_to_camera(x_world, cam['R'], cam['T']), S, atol=1e-12)
        assert _plausible_h36m_world(x_world), (fr['name'], x_world)
        raw_plausible.append(
            _plausible_h36m_world(camera_to_world(S, raw['R'], raw['T'])))
    # the raw pkl R read as world->camera puts the subjects seen by camera
    # 55011271 ~10 m away and upside down
    assert not all(raw_plausible)


def test_real_camera_from_pkl_missing_key(h36m_frames):
    with pytest.raises(KeyError, match=r"no camera \('S1', '99999999'\) in "
                       r"cameras.pkl; available keys: \[\('S1', '54138969'\)"):
        camera_from_pkl(h36m_frames[0], 'S1', '99999999')


def test_camera_from_pkl_synthetic():
    R = quaternion_to_matrix([0.9, 0.1, -0.3, 0.2])
    cameras = {
        ('S1', '1'): dict(R=R, T=np.ones((3, 1)), f=np.full((2, 1), 1e3),
                          c=np.zeros((2, 1)), w=10, h=10),
        ('S1', '2'): dict(R=R, f=np.ones((2, 1)), c=np.zeros((2, 1))),
    }
    cam = camera_from_pkl(cameras, 'S1', 1)
    np.testing.assert_array_equal(cam['R'], R.T)
    assert cam['T'].shape == (3, ) and cam['f'].shape == (2, )
    assert 'k' not in cam and cam['w'] == 10
    with pytest.raises(CameraParamError, match="missing the extrinsics 'T'"):
        camera_from_pkl(cameras, 'S1', '2')
    with pytest.raises(KeyError, match=r"available keys: \[\('S1', '1'\), "
                       r"\('S1', '2'\)\]"):
        camera_from_pkl(cameras, 'S2', '1')


# --------------------------------------------------------------- properties
@PROPS
@given(R=rotations, seed=seeds, batch=st.integers(1, 5))
def test_world_camera_are_inverse(R, seed, batch):
    rng = np.random.default_rng(seed)
    T = rng.uniform(-5, 5, 3)
    x_world = rng.normal(0, 2, (batch, 17, 3))
    x_cam = world_to_camera(x_world, R, T)
    np.testing.assert_allclose(camera_to_world(x_cam, R, T), x_world,
                               atol=1e-9)
    np.testing.assert_allclose(
        world_to_camera(camera_to_world(x_world, R, T), R, T), x_world,
        atol=1e-9)
    # X_cam = R (X_world - T): T maps to 0, T + R^T e_z onto the optical axis
    np.testing.assert_allclose(world_to_camera(T[None], R, T[:, None]), 0.0,
                               atol=1e-12)
    np.testing.assert_allclose(world_to_camera(T + R[2], R, T), [0, 0, 1],
                               atol=1e-12)

    def bones(x):
        return np.linalg.norm(x[:, 1:] - x[:, :1], axis=-1)

    np.testing.assert_allclose(bones(x_cam), bones(x_world), atol=1e-9)


def test_world_to_camera_broadcasts_per_sample_cameras():
    rng = np.random.default_rng(0)
    Rs = quaternion_to_matrix(rng.normal(size=(4, 4)))
    Ts = rng.normal(size=(4, 3))
    x = rng.normal(size=(4, 17, 3))
    batched = world_to_camera(x, Rs[:, None], Ts[:, None])
    for i in range(4):
        np.testing.assert_allclose(batched[i],
                                   world_to_camera(x[i], Rs[i], Ts[i]),
                                   atol=1e-12)


@PROPS
@given(seed=seeds, dist=distortions, f=st.floats(300, 2000),
       c=st.floats(0, 1000), aspect=st.floats(0.9, 1.1))
def test_project_then_rays_recovers_directions(seed, dist, f, c, aspect):
    rng = np.random.default_rng(seed)
    x_cam = points_in_cone(rng, (3, 17))
    k, p = np.array(dist[:3]), np.array(dist[3:])
    f_px, c_px = np.array([f, f * aspect]), np.array([c, 1000.0 - c])
    uv = project_to_pixels(x_cam, f_px, c_px, k, p)
    rays = pixels_to_rays(uv, f_px, c_px, k, p)
    unit = x_cam / np.linalg.norm(x_cam, axis=-1, keepdims=True)
    np.testing.assert_allclose(rays, unit, atol=1e-9)
    # snapping onto the rays leaves points already on them in place
    np.testing.assert_allclose(project_onto_rays(x_cam, rays), x_cam,
                               atol=1e-8)


@PROPS
@given(seed=seeds, dist=distortions)
def test_undistort_inverts_distortion(seed, dist):
    rng = np.random.default_rng(seed)
    x_cam = points_in_cone(rng, (50, ))
    xy = x_cam[:, :2] / x_cam[:, 2:]
    k, p = np.array(dist[:3]), np.array(dist[3:])
    # f = 1, c = 0: distorted normalised coordinates
    xy_d = project_to_pixels(x_cam, np.ones(2), np.zeros(2), k, p)
    np.testing.assert_allclose(undistort_normalized(xy_d, k, p), xy,
                               atol=1e-10)
    np.testing.assert_allclose(undistort_normalized(xy_d), xy_d)  # identity


def test_distortion_model_matches_hand_computation():
    x_cam = np.array([0.3, -0.2, 2.0])
    f_px, c_px = np.array([1100.0, 1000.0]), np.array([500.0, 400.0])
    k, p = np.array([-0.2, 0.25, -0.003]), np.array([-0.0014, -0.001])
    x, y = 0.15, -0.1
    r2 = x * x + y * y
    radial = 1 + k[0] * r2 + k[1] * r2**2 + k[2] * r2**3
    tan = p[0] * y + p[1] * x
    xy_d = np.array([x * (radial + tan) + p[1] * r2,
                     y * (radial + tan) + p[0] * r2])
    np.testing.assert_allclose(project_to_pixels(x_cam, f_px, c_px, k, p),
                               xy_d * f_px + c_px, rtol=1e-12)
    np.testing.assert_allclose(project_to_pixels(x_cam, f_px, c_px),
                               np.array([x, y]) * f_px + c_px, rtol=1e-12)
    # a scalar focal length and (2, 1) columns as in cameras.pkl
    np.testing.assert_allclose(
        project_to_pixels(x_cam, 1100.0, c_px[:, None], k[:, None]),
        project_to_pixels(x_cam, [1100.0, 1100.0], c_px, k), rtol=1e-12)


def test_project_onto_rays_is_orthogonal_projection():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(5, 3))
    d = rng.normal(size=(5, 3))
    snapped = project_onto_rays(x, d / np.linalg.norm(d, axis=-1)[:, None])
    np.testing.assert_allclose(np.cross(snapped, d), 0.0, atol=1e-12)
    np.testing.assert_allclose(((x - snapped) * d).sum(-1), 0.0, atol=1e-12)
    np.testing.assert_allclose(project_onto_rays(x, 3 * d), snapped,
                               atol=1e-12)


# ------------------------------------------------------ kinds and gradients
def _all_camera_calls(x_cam, uv):
    R, T = quaternion_to_matrix([0.9, 0.1, -0.3, 0.2]), np.array([1.0, 2.0, 3.0])
    return [
        world_to_camera(x_cam, R, T),
        camera_to_world(x_cam, R, T),
        project_to_pixels(x_cam, **CAM),
        pixels_to_rays(uv, **CAM),
        undistort_normalized(uv / 1000.0, CAM['k'], CAM['p']),
        project_onto_rays(x_cam, x_cam + 0.1),
    ]


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
def test_numpy_in_numpy_out(dtype):
    rng = np.random.default_rng(2)
    x_cam = points_in_cone(rng, (2, 17)).astype(dtype)
    uv = rng.uniform(0, 1000, (2, 17, 2)).astype(dtype)
    for out in _all_camera_calls(x_cam, uv):
        assert isinstance(out, np.ndarray)
        assert out.dtype == dtype and out.shape[:2] == (2, 17)


@pytest.mark.parametrize('dtype', [torch.float32, torch.float64])
def test_torch_in_torch_out(dtype):
    rng = np.random.default_rng(3)
    x_cam = torch.as_tensor(points_in_cone(rng, (2, 17)), dtype=dtype)
    uv = torch.as_tensor(rng.uniform(0, 1000, (2, 17, 2)), dtype=dtype)
    for out in _all_camera_calls(x_cam, uv):
        assert isinstance(out, torch.Tensor)
        assert out.dtype == dtype and out.shape[:2] == (2, 17)
    got = project_to_pixels(x_cam, **CAM).double().numpy()
    ref = project_to_pixels(x_cam.double().numpy(), **CAM)
    atol = 1e-2 if dtype == torch.float32 else 1e-9
    np.testing.assert_allclose(got, ref, atol=atol)


def test_gradients_flow_through_projection():
    rng = np.random.default_rng(4)
    x_cam = torch.tensor(points_in_cone(rng, (6, )), requires_grad=True)
    f = torch.tensor(CAM['f'], requires_grad=True)
    torch.autograd.gradcheck(
        lambda x, f: project_to_pixels(x, f, CAM['c'], CAM['k'], CAM['p']),
        (x_cam, f))
    uv = project_to_pixels(x_cam.float(), **CAM)
    uv.sum().backward()
    assert x_cam.grad is not None and torch.isfinite(x_cam.grad).all()
    assert x_cam.grad.abs().sum() > 0
    # and through the ray snapping the optimiser uses
    uv_obs = torch.tensor(rng.uniform(300, 700, (6, 2)))
    x = torch.tensor(points_in_cone(rng, (6, )), requires_grad=True)
    torch.autograd.gradcheck(
        lambda x: project_onto_rays(x, pixels_to_rays(uv_obs, **CAM)), (x, ))


# ---------------------------------------------------------------- bad input
def test_points_behind_camera_raise():
    x_cam = np.ones((5, 3))
    x_cam[1, 2], x_cam[3, 2] = -2.0, 0.0
    with pytest.raises(ValueError, match=r'2 of 5 points are behind the '
                       r'camera \(Z <= 0\)'):
        project_to_pixels(x_cam, CAM['f'], CAM['c'])
    x_torch = torch.tensor([[0, 0, 1.0], [0, 0, 2.0], [1, 1, -1.0]])
    with pytest.raises(ValueError, match='1 of 3 points are behind'):
        project_to_pixels(x_torch, **CAM)


def test_wrong_shapes_and_values_raise():
    with pytest.raises(ValueError, match=r'x_world: expected shape '
                       r'\(\.\.\., 3\), got shape \(4, 2\)'):
        world_to_camera(np.zeros((4, 2)), np.eye(3), np.zeros(3))
    with pytest.raises(ValueError, match=r'uv: expected shape \(\.\.\., 2\), '
                       r'got shape \(17, 3\)'):
        pixels_to_rays(np.zeros((17, 3)), **CAM)
    with pytest.raises(ValueError, match='x_cam contains 1 non-finite'):
        project_to_pixels(np.array([[0.0, np.nan, 1.0]]), **CAM)
    with pytest.raises(ValueError, match=r'R: expected shape '
                       r'\(\.\.\., 3, 3\), got shape \(3,\)'):
        world_to_camera(np.zeros((4, 3)), np.zeros(3), np.zeros(3))
    with pytest.raises(ValueError, match=r'k: expected shape \(\.\.\., 3\)'):
        project_to_pixels(np.ones((4, 3)), CAM['f'], CAM['c'], np.zeros(5))
    with pytest.raises(TypeError, match='x_cam must be a numpy array or '
                       'torch tensor'):
        project_to_pixels([[0.0, 0.0, 1.0]], **CAM)
