"""GCNPose: sizes with and without the unused temb MLP, leading-dim handling,
no root subtraction, input errors. Parity with a re-statement of the
original is in tests/apis/test_convert_diffpose.py."""
import pytest
import torch
from mmpose.registry import MODELS

from poselift_mm.models.backbones.gcnpose import GCNPose


@pytest.fixture(scope='module')
def model():
    torch.manual_seed(0)
    m = GCNPose().eval()
    for p in m.parameters():
        p.data.add_(0.05 * torch.randn_like(p))
    return m


def test_param_counts_and_keys(model):
    sd = model.state_dict()
    assert sum(v.numel() for v in sd.values()) == 839_432
    assert len(sd) == 113 and 'adj' not in sd
    assert tuple(sd['gconv_input.weight'].shape) == (3, 1, 2, 96)
    assert tuple(sd['gconv_output.weight'].shape) == (3, 1, 96, 3)
    assert tuple(sd['gconv_output.bias'].shape) == (1, 1, 3)
    assert tuple(sd['temb.dense.0.weight'].shape) == (384, 96)
    assert tuple(sd['temb.dense.1.bias'].shape) == (384, )
    assert not any('temb_proj' in k for k in sd)
    assert 'gconv_layers.4.gconv2.gconv.weight' in sd
    lean = GCNPose(with_unused_temb=False).state_dict()
    assert sum(v.numel() for v in lean.values()) == 654_344
    assert set(sd) - set(lean) == {f'temb.dense.{i}.{p}' for i in (0, 1)
                                   for p in ('weight', 'bias')}


def test_unused_temb_does_not_change_the_output(model):
    lean = GCNPose(with_unused_temb=False).eval()
    lean.load_state_dict({k: v for k, v in model.state_dict().items()
                          if not k.startswith('temb.')})
    x = torch.rand(5, 17, 2) * 2 - 1
    with torch.no_grad():
        assert torch.equal(model(x), lean(x))


def test_leading_dims_and_no_root_subtraction(model):
    torch.manual_seed(1)
    x = torch.rand(2, 4, 17, 2) * 2 - 1
    with torch.no_grad():
        out = model(x)
        loop = torch.stack([torch.stack([model(x[b, f][None])[0]
                                         for f in range(4)])
                            for b in range(2)])
        single = model(x[1, 2])
    assert out.shape == (2, 4, 17, 3)
    # batch size changes the BLAS blocking: a few ulps of |out| ~ 10
    torch.testing.assert_close(out, loop, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(single, out[1, 2], rtol=0, atol=1e-6)
    assert float(out[..., 0, :].abs().min()) > 0   # root left as predicted


def test_input_errors_and_registry(model):
    with pytest.raises(ValueError,
                       match='GCNPose: expected 2 channels per joint, got 5'):
        model(torch.zeros(3, 17, 5))
    with pytest.raises(ValueError, match='expected 17 joints, got 15'):
        model(torch.zeros(3, 15, 2))
    m = MODELS.build(dict(type='GCNPose', hid_dim=32, num_layers=1))
    assert isinstance(m, GCNPose)
    assert m(torch.zeros(1, 17, 2)).shape == (1, 17, 3)
