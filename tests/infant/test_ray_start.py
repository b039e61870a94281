"""ZeDO-infant's ray-lifted start and ScoreHead's ``ipo.start`` option."""
import pytest
import torch
from mmpose.registry import MODELS

import poselift_mm  # noqa: F401
from poselift_mm.diffusion.ray_start import ray_lifted_start
from poselift_mm.geometry.camera import pixels_to_rays
from poselift_mm.geometry.skeleton import quaternion_to_matrix
from poselift_mm.models.heads.score_head import DEFAULT_IPO


def _rays(n=4, k=17, seed=0):
    g = torch.Generator().manual_seed(seed)
    uv = torch.rand(n, k, 2, generator=g) * 800 + 100
    f, c = torch.full((n, 2), 2000.), torch.full((n, 2), 500.)
    return uv, f, c, pixels_to_rays(uv, f[:, None], c[:, None])


def test_joints_on_their_rays_at_the_root_depth():
    uv, f, c, rays = _rays()
    T = rays[:, 0] * torch.tensor([1.5, 2., 0.7, 3.])[:, None]
    eye = torch.eye(3).expand(4, 3, 3)
    x = ray_lifted_start(rays, T, eye)
    p = x + T[:, None]  # absolute: every joint at the depth of T
    torch.testing.assert_close(p[..., 2], T[:, None, 2].expand(4, 17))
    proj = p[..., :2] / p[..., 2:] * f[:, None] + c[:, None]
    torch.testing.assert_close(proj, uv, rtol=0, atol=1e-3)
    torch.testing.assert_close(x[:, 0], torch.zeros(4, 3))
    # the original's formula: K^-1 [u, v, 1] scaled by |T| / |ray_root|
    k_inv = torch.cat([(uv - c[:, None]) / f[:, None],
                       torch.ones(4, 17, 1)], -1)
    orig = k_inv * (T.norm(dim=-1) / k_inv[:, 0].norm(dim=-1))[:, None,
                                                                None]
    torch.testing.assert_close(x, orig - orig[:, :1], rtol=0, atol=1e-5)


def test_rotation_and_missing_joints():
    _, _, _, rays = _rays()
    T = rays[:, 0] * 2.
    R = quaternion_to_matrix(torch.randn(4, 4,
                                         generator=torch.Generator()
                                         .manual_seed(3)))
    flat = ray_lifted_start(rays, T, torch.eye(3).expand(4, 3, 3))
    torch.testing.assert_close(ray_lifted_start(rays, T, R),
                               flat @ R.transpose(1, 2))
    vis = torch.ones(4, 17, dtype=torch.bool)
    vis[:, [9, 10]] = False
    fallback = torch.randn(4, 17, 3) + 5.
    x = ray_lifted_start(rays, T, R, fallback, vis)
    torch.testing.assert_close(x[:, 9], (fallback - fallback[:, :1])[:, 9])
    torch.testing.assert_close(x[:, 3], (flat @ R.transpose(1, 2))[:, 3])
    with pytest.raises(ValueError, match='fallback'):
        ray_lifted_start(rays, T, R, None, vis)


def _head():
    torch.manual_seed(0)
    head = MODELS.build(dict(
        type='ScoreHead',
        denoiser=dict(type='ZeDOScoreMLP', hidden_dim=64, embed_dim=32,
                      num_groups=8),
        init_poses=dict(
            file='configs/zedo_infant/start_pose_adult-cluster1_x0.4.npy',
            num=1)))
    return head.eval()


def test_score_head_option(monkeypatch):
    from pathlib import Path
    monkeypatch.chdir(Path(__file__).resolve().parents[2])
    assert DEFAULT_IPO['start'] == 'template'  # the default is unchanged
    head = _head()
    uv, f, c, _ = _rays(2)
    conf = torch.ones(2, 17)
    cfg = dict(ipo=dict(iters=5), oil=dict(iters=0))
    tpl = head.lift(uv, conf, f, c, test_cfg=cfg)
    assert head.check_test_cfg(cfg)['ipo']['start'] == 'template'
    cfg_rays = dict(ipo=dict(iters=5, start='rays'), oil=dict(iters=0))
    ray = head.lift(uv, conf, f, c, test_cfg=cfg_rays)
    # no OIL step: the start itself; the translation is IPO's either way
    torch.testing.assert_close(tpl['translation'], ray['translation'])
    assert not torch.allclose(tpl['hypotheses'], ray['hypotheses'])
    # the ray start reprojects onto the 2D only if the rotation is the
    # identity (IPO turns about z here): its error is below the template's
    assert ray['reproj_error'].mean() < tpl['reproj_error'].mean()
    with pytest.raises(ValueError, match="'template' or 'rays'"):
        head.lift(uv, conf, f, c, test_cfg=dict(ipo=dict(start='x')))
