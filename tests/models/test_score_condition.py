"""The denoiser conditioned on detector scores: ``GCNdiff(cond_channels=1)``
and ``DiffPoseHead.denoise`` (training reads the samples' scores, sampling
passes them to every step; an unconditioned denoiser is untouched)."""
import numpy as np
import pytest
import torch
import torch.nn as nn
from mmengine.structures import InstanceData
from mmpose.structures import PoseDataSample

from poselift_mm.models.denoisers.gcndiff import GCNdiff
from poselift_mm.models.heads.diffpose_head import DiffPoseHead

TINY = dict(type='GCNdiff', num_joints=17, hid_dim=16, num_layers=1,
            num_heads=2)


class CondRecorder(nn.Module):
    """Denoiser stand-in with one condition channel: eps = cond broadcast,
    records what it was given."""
    cond_channels = 1

    def __init__(self):
        super().__init__()
        self.calls = []

    def forward(self, x, t, cond=None):
        self.calls.append((x.detach().clone(), t.clone(), cond))
        return cond.expand_as(x) * 0.01


def sample(scores, target):
    ds = PoseDataSample()
    ds.gt_instances = InstanceData(
        keypoints_visible=np.asarray(scores, np.float32)[None])
    ds.gt_instance_labels = InstanceData(
        lifting_target_label=torch.as_tensor(target)[None])
    return ds


def test_unconditioned_network_keeps_the_original_layout():
    plain = GCNdiff(hid_dim=16, num_layers=1, num_heads=2)
    cond = GCNdiff(hid_dim=16, num_layers=1, num_heads=2, cond_channels=1)
    assert plain.state_dict()['gconv_input.weight'].shape == (3, 1, 5, 16)
    assert cond.state_dict()['gconv_input.weight'].shape == (3, 1, 6, 16)
    assert cond.state_dict()['gconv_output.weight'].shape == (3, 1, 16, 5)
    assert set(plain.state_dict()) == set(cond.state_dict())


def test_condition_changes_the_prediction_and_keeps_the_shape():
    torch.manual_seed(0)
    net = GCNdiff(hid_dim=16, num_layers=1, num_heads=2,
                  cond_channels=1).eval()
    x = torch.randn(2, 3, 17, 5)
    hi, lo = torch.ones(2, 3, 17, 1), torch.full((2, 3, 17, 1), 0.2)
    a, b = net(x, 4, hi), net(x, 4, lo)
    assert a.shape == x.shape
    assert not torch.allclose(a, b)
    # one joint's score changes the output (through the graph)
    lo1 = hi.clone()
    lo1[:, :, 5] = 0.1
    assert not torch.allclose(net(x, 4, lo1), a)


def test_condition_errors_name_the_problem():
    plain = GCNdiff(hid_dim=16, num_layers=1, num_heads=2)
    cond = GCNdiff(hid_dim=16, num_layers=1, num_heads=2, cond_channels=1)
    x = torch.randn(2, 17, 5)
    with pytest.raises(ValueError, match='needs cond'):
        cond(x, 1)
    with pytest.raises(ValueError, match='cond_channels=0'):
        plain(x, 1, torch.ones(2, 17, 1))
    with pytest.raises(ValueError, match='channels per joint'):
        cond(x, 1, torch.ones(2, 17, 2))
    with pytest.raises(ValueError, match='leading dims'):
        cond(x, 1, torch.ones(3, 17, 1))


def test_loss_feeds_each_sample_its_scores():
    head = DiffPoseHead(denoiser=TINY)
    head.denoiser = CondRecorder()
    assert head.uses_scores
    scores = np.linspace(0.1, 1., 17)
    other = np.full(17, 0.5)
    tgt = torch.randn(2, 17, 3)
    uv = torch.randn(2, 1, 17, 2)
    losses = head.loss((uv, torch.zeros(2, 1, 17, 3)),
                       [sample(scores, tgt[0]), sample(other, tgt[1])])
    assert torch.isfinite(losses['loss_diff'])
    cond = head.denoiser.calls[-1][2]
    assert cond.shape == (2, 17, 1)
    np.testing.assert_allclose(cond[0, :, 0].numpy(), scores, rtol=1e-6)
    np.testing.assert_allclose(cond[1, :, 0].numpy(), other, rtol=1e-6)


def test_sampling_passes_scores_to_every_step_and_hypothesis():
    head = DiffPoseHead(denoiser=TINY).eval()
    head.denoiser = CondRecorder()
    scores = torch.rand(2, 3, 17)
    out = head.lift(torch.randn(2, 3, 17, 2), torch.randn(2, 3, 17, 3),
                    scores, dict(timesteps=(0, 6, 12), num_hypotheses=4))
    assert out['hypotheses'].shape == (2, 4, 3, 17, 3)
    assert len(head.denoiser.calls) == 3
    for x, _, cond in head.denoiser.calls:
        assert cond.shape == (8, 3, 17, 1)
        got = cond[..., 0].reshape(2, 4, 3, 17)
        assert torch.equal(got, scores[:, None].expand(-1, 4, -1, -1))
    # no scores given (the tensor mode): the condition is all ones
    head.denoiser.calls.clear()
    head.lift(torch.randn(1, 1, 17, 2), torch.randn(1, 1, 17, 3))
    assert torch.equal(head.denoiser.calls[0][2], torch.ones(1, 1, 17, 1))


def test_score_conditioned_head_trains_and_low_scores_matter():
    torch.manual_seed(0)
    head = DiffPoseHead(denoiser=dict(TINY, cond_channels=1)).train()
    tgt = torch.randn(3, 17, 3)
    data = [sample(np.full(17, 0.9), tgt[i]) for i in range(3)]
    loss = head.loss((torch.randn(3, 1, 17, 2), torch.zeros(3, 1, 17, 3)),
                     data)['loss_diff']
    loss.backward()
    w = head.denoiser.gconv_input.weight
    assert w.grad is not None and w.grad[:, :, 5].abs().sum() > 0
    head.eval()
    uv, init = torch.randn(1, 1, 17, 2), torch.randn(1, 1, 17, 3)
    with torch.no_grad():
        a = head.lift(uv, init, torch.ones(1, 1, 17))['keypoints']
        b = head.lift(uv, init, torch.full((1, 1, 17), 0.2))['keypoints']
    assert not torch.allclose(a, b)


def test_unconditioned_head_ignores_scores_as_before():
    torch.manual_seed(0)
    head = DiffPoseHead(denoiser=TINY).eval()
    assert not head.uses_scores
    uv, init = torch.randn(1, 1, 17, 2), torch.randn(1, 1, 17, 3)
    with torch.no_grad():
        a = head.lift(uv, init, torch.ones(1, 1, 17))['keypoints']
        b = head.lift(uv, init, torch.full((1, 1, 17), 0.2))['keypoints']
    assert torch.equal(a, b)  # clean start: scores only shape start noise
