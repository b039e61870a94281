"""Deployable multi-hypothesis choices: D3DP's joint-wise reprojection
aggregation (J-Agg) and ZeDO's selection by the prior's denoising
residual. Hand-built cases with a known right answer per joint."""
import numpy as np
import pytest
import torch
import torch.nn as nn
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData
from mmpose.registry import MODELS
from mmpose.structures import PoseDataSample

from poselift_mm.geometry import project_to_pixels
from poselift_mm.geometry.screen import pixels_to_screen
from poselift_mm.models.utils import (aggregate_hypotheses,
                                      hypothesis_reprojection)

K = 17
F = torch.tensor([[1000., 1000.]])
C = torch.tensor([[500., 500.]])


@pytest.fixture(autouse=True, scope='module')
def scope():
    init_default_scope('mmpose')


def true_pose(seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(1, K, 3, generator=g) * 0.3
    return x - x[:, :1]


def test_jagg_takes_each_joint_from_its_best_hypothesis():
    hyps = torch.zeros(1, 3, 4, 3)
    hyps[0, :, :, 0] = torch.arange(3.)[:, None]  # x = hypothesis index
    reproj = torch.tensor([[[5., 1., 9., 9.], [1., 5., 0., 9.],
                            [9., 9., 3., 2.]]])
    agg, best = aggregate_hypotheses(hyps, 'jagg', reproj=reproj)
    assert agg[0, :, 0].tolist() == [1., 0., 1., 2.]  # argmin per joint
    assert best.tolist() == [-1]


def test_medoid_is_the_hypothesis_nearest_the_others():
    # offsets 0, 0.1, 5 (an outlier pulls the mean to 1.7): the medoid is
    # 0.1, summed distances 5.1, 5.0, 9.9; second pose 7, 1, 0.9 -> 1
    hyps = torch.zeros(2, 3, 4, 3)
    hyps[0, :, :, 0] = torch.tensor([0., 0.1, 5.])[:, None]
    hyps[1, :, :, 1] = torch.tensor([7., 1., 0.9])[:, None]
    agg, best = aggregate_hypotheses(hyps, 'medoid')
    assert best.tolist() == [1, 1]
    assert torch.equal(agg, hyps[torch.arange(2), best])


def test_hypothesis_reprojection_is_zero_for_the_pose_that_made_the_2d():
    """The true pose, placed by its own least-squares translation, projects
    onto the 2D; a pose with a bent arm does not, at that arm only."""
    x = true_pose()
    uv = project_to_pixels(x + torch.tensor([0.1, -0.2, 4.]), F[:, None],
                           C[:, None])
    wrong = x.clone()
    wrong[:, 16] += torch.tensor([0.3, 0.2, 0.])
    err = hypothesis_reprojection(torch.stack([wrong, x], 1), uv,
                                  torch.ones(1, K), F, C)
    assert err.shape == (1, 2, K)
    assert float(err[0, 1].max()) < 1e-3
    assert float(err[0, 0, 16]) > 50.
    agg, _ = aggregate_hypotheses(torch.stack([wrong, x], 1), 'jagg',
                                  reproj=err)
    torch.testing.assert_close(agg[0, 16], x[0, 16])


class HypothesesDenoiser(nn.Module):
    """Stands in for GCNdiff: the DDIM start state comes back unchanged."""
    num_joints = K

    def forward(self, x, t):
        return torch.zeros_like(x)


def test_diffpose_head_jagg_follows_the_2d_per_joint():
    """Two hypotheses (set through the start state): J-Agg keeps, per
    joint, the one consistent with the image, where the mean blurs."""
    head = MODELS.build(dict(
        type='DiffPoseHead',
        denoiser=dict(type='GCNdiff', num_joints=K, hid_dim=16,
                      num_layers=1, num_heads=2)))
    head.denoiser = HypothesesDenoiser()
    x = true_pose(1)
    w = h = 1000.
    px = project_to_pixels(x + torch.tensor([0., 0., 5.]), F[:, None],
                           C[:, None])
    uv = pixels_to_screen(px, w, h)[:, None]  # (1, T=1, K, 2)
    wrong = x.clone()
    wrong[:, 13] += torch.tensor([0.4, 0., 0.])
    hyps = torch.stack([x, wrong], 1)[:, :, None]  # (1, H=2, T=1, K, 3)
    ds = PoseDataSample(metainfo=dict(camera_param=dict(
        f=np.array([[1000.], [1000.]]), c=np.array([[500.], [500.]]),
        w=1000, h=1000)))
    ds.gt_instances = InstanceData(keypoints_visible=np.ones((1, K)))
    got = head.joint_wise(hyps, uv, torch.ones(1, 1, K), [ds])
    torch.testing.assert_close(got[0, 0], x[0], atol=1e-5, rtol=0)
    mean = hyps.mean(1)[0, 0]
    assert float((mean[13] - x[0, 13]).norm()) > 0.1


class DeltaPriorNoise(nn.Module):
    """The exact noise predictor of a prior that is a point mass at
    ``pose``: eps = (x_t - m(t) pose) / s(t) (sub-VP marginal)."""

    def __init__(self, pose, sde):
        super().__init__()
        self.pose, self.sde = pose, sde

    def forward(self, x, t):
        mean, std = self.sde.marginal_prob(self.pose.expand_as(x), t)
        return (x - mean) / std


def test_prior_selection_picks_the_hypothesis_the_prior_holds_likely():
    head = MODELS.build(dict(
        type='ScoreHead', denoiser=dict(type='ZeDOScoreMLP', num_joints=K,
                                        hidden_dim=64, embed_dim=32, n_blocks=1)))
    x = true_pose(2)
    head.denoiser = DeltaPriorNoise(x, head.sde)
    far = x + 0.2 * torch.randn(1, K, 3, generator=torch.Generator()
                                .manual_seed(5))
    hyps = torch.stack([far, x, far * 1.5], 1)  # (1, 3, K, 3)
    res = head.prior_residual(hyps)
    assert float(res[0, 1]) < 1e-6 < float(res[0, 0]) < float(res[0, 2])
    reproj = torch.tensor([[[1.] * K, [3.] * K, [9.] * K]])
    cfg = dict(aggregate='min_prior')
    agg, best = head.aggregate(hyps, reproj, torch.ones(1, K), cfg)
    assert best.tolist() == [1]
    cfg = dict(aggregate='min_reproj')
    assert head.aggregate(hyps, reproj, torch.ones(1, K),
                          cfg)[1].tolist() == [0]
    # the same call gives the same choice (seeded draws)
    torch.testing.assert_close(head.prior_residual(hyps), res)


def test_unknown_aggregate_is_named():
    head = MODELS.build(dict(
        type='ScoreHead', denoiser=dict(type='ZeDOScoreMLP', num_joints=K,
                                        hidden_dim=64, embed_dim=32, n_blocks=1)))
    with pytest.raises(ValueError, match="'jagg'"):
        head.check_test_cfg(dict(aggregate='best'))
