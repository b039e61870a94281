"""ScoreHead: DSM loss, input checks, flip / rotation augmentation."""
import pytest
import torch
from mmpose.registry import MODELS

import poselift_mm.models.heads.score_head as score_head_mod
from poselift_mm.models.heads.score_head import H36M_FLIP_PAIRS, ScoreHead

TINY = dict(type='ZeDOScoreMLP', hidden_dim=64, embed_dim=32, num_groups=8)

# standing Human3.6M-17 pose, camera frame (y down), metres, pelvis at 0
POSE = torch.tensor(
    [[0., 0., 0.], [-0.13, 0., 0.02], [-0.14, 0.45, 0.03], [-0.15, 0.88, 0.08],
     [0.13, 0., -0.02], [0.14, 0.45, 0.], [0.15, 0.88, 0.05],
     [0., -0.23, 0.02], [0., -0.48, 0.03], [0., -0.58, -0.06], [0., -0.68, 0.],
     [0.16, -0.45, 0.03], [0.30, -0.25, 0.05], [0.35, -0.02, -0.10],
     [-0.16, -0.45, 0.03], [-0.30, -0.25, 0.02], [-0.33, -0.03, -0.12]])
PARENTS = [-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 9, 8, 11, 12, 8, 14, 15]


def head(**kw):
    torch.manual_seed(0)
    return MODELS.build(dict(type='ScoreHead', denoiser=TINY, **kw))


def bones(x):
    return (x[:, 1:] - x[:, PARENTS[1:]]).norm(dim=-1)


def test_build_and_noise_shape():
    h = head().eval()  # no dropout
    assert isinstance(h, ScoreHead) and h.num_joints == 17
    x = torch.randn(5, 17, 3)
    t = torch.rand(5)
    assert h.noise(x, t).shape == (5, 17, 3)
    torch.testing.assert_close(h((x, t)), h.noise(x, t))
    with pytest.raises(ValueError, match='rotate'):
        head(rotate='roll')


def test_loss_finite_and_hand_checked():
    h = head().eval()
    x0 = POSE.expand(6, 17, 3).clone()
    loss = h.loss(x0)
    assert set(loss) == {'loss_dsm'}
    assert loss['loss_dsm'].ndim == 0 and torch.isfinite(loss['loss_dsm'])
    loss['loss_dsm'].backward()
    assert h.denoiser.post_dense.weight.grad.abs().sum() > 0
    # a denoiser predicting zero noise: loss = 0.5 * mean_b sum z^2 with
    # the same z the head draws (t first, then z, from the global RNG)
    torch.nn.init.zeros_(h.denoiser.post_dense.weight)
    torch.nn.init.zeros_(h.denoiser.post_dense.bias)
    torch.manual_seed(123)
    got = h.loss(x0)['loss_dsm']
    torch.manual_seed(123)
    torch.rand(6)
    z = torch.randn(6, 17, 3)
    torch.testing.assert_close(got, 0.5 * z.pow(2).sum((1, 2)).mean())
    h2 = head(loss_weight=2.5).eval()
    torch.nn.init.zeros_(h2.denoiser.post_dense.weight)
    torch.nn.init.zeros_(h2.denoiser.post_dense.bias)
    torch.manual_seed(123)
    torch.testing.assert_close(h2.loss(x0)['loss_dsm'], 2.5 * got)


@pytest.mark.parametrize('shape', [(4, 16, 3), (4, 17, 2), (17, 3),
                                   (2, 1, 17, 3)])
def test_loss_wrong_shape(shape):
    with pytest.raises(ValueError, match=r'\(B, 17, 3\)'):
        head().loss(torch.zeros(shape))


def test_loss_nan():
    x0 = POSE.expand(3, 17, 3).clone()
    x0[1, 5, 2] = float('nan')
    with pytest.raises(ValueError, match='NaN'):
        head().loss(x0)
    x0[1, 5, 2] = float('inf')
    with pytest.raises(ValueError, match='NaN/inf'):
        head().loss(x0)


def capture_loss_input(monkeypatch):
    seen = []

    def fake_dsm(noise_fn, sde, x0, eps=1e-5, generator=None):
        seen.append(x0.clone())
        return x0.sum() * 0.

    monkeypatch.setattr(score_head_mod, 'dsm_loss', fake_dsm)
    return seen


def test_flip_augmentation_in_train_mode(monkeypatch):
    seen = capture_loss_input(monkeypatch)
    h = head(flip_prob=1.)
    x0 = POSE.expand(2, 17, 3).clone()
    h.train()
    h.loss(x0)
    flipped = seen[-1]
    expected = POSE.clone()
    for a, b in H36M_FLIP_PAIRS:  # right <-> left
        expected[[a, b]] = POSE[[b, a]]
    expected[:, 0] *= -1
    torch.testing.assert_close(flipped, expected.expand(2, 17, 3))
    # e.g. the new right hip is the mirrored old left hip
    torch.testing.assert_close(flipped[0, 1], torch.tensor([-0.13, 0., -0.02]))
    torch.testing.assert_close(flipped[0, 16],
                               torch.tensor([-0.35, -0.02, -0.10]))
    # flipping twice is the identity; no augmentation in eval mode
    torch.testing.assert_close(h.augment(flipped), x0)
    h.eval()
    h.loss(x0)
    torch.testing.assert_close(seen[-1], x0)
    # flip_prob=0: untouched in train mode too
    h0 = head(flip_prob=0.).train()
    torch.testing.assert_close(h0.augment(x0), x0)




@pytest.mark.parametrize('rotate', [
    'yaw', 'so3'])
def test_rotation_augmentation(rotate):
    h = head(rotate=rotate).train()
    torch.manual_seed(1)
    x0 = POSE.expand(64, 17, 3).clone()
    out = h.augment(x0)
    assert out.shape == x0.shape
    torch.testing.assert_close(bones(out), bones(x0), rtol=0, atol=1e-6)
    torch.testing.assert_close(out.norm(dim=-1), x0.norm(dim=-1), rtol=0,
                               atol=1e-6)
    torch.testing.assert_close(out[:, 0], torch.zeros(64, 3))  # about root
    moved = (out - x0).abs().amax((1, 2))
    assert (moved > 1e-2).float().mean() > 0.9  # it does rotate
    if rotate == 'yaw':  # about the camera y axis: y kept, x^2 + z^2 kept
        torch.testing.assert_close(out[..., 1], x0[..., 1], rtol=0, atol=0)
        torch.testing.assert_close(out[..., [0, 2]].norm(dim=-1),
                                   x0[..., [0, 2]].norm(dim=-1), rtol=0,
                                   atol=1e-6)
        # all yaws are drawn: the pelvis-to-left-hip direction's angle
        ang = torch.atan2(out[:, 4, 2], out[:, 4, 0])
        assert ang.min() < -2. and ang.max() > 2.
    else:  # not a yaw-only rotation: y changes too
        assert (out[..., 1] - x0[..., 1]).abs().max() > 0.1


def test_predict_without_start_poses_names_init_poses():
    """A head built for training only (no cluster file) cannot fit 2D."""
    with pytest.raises(ValueError, match='init_poses'):
        head().lift(torch.zeros(1, 17, 2), torch.ones(1, 17),
                    torch.ones(1, 2), torch.zeros(1, 2))
