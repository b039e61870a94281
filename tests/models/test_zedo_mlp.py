import math

import pytest
import torch
from mmpose.registry import MODELS

from poselift_mm.models.denoisers.zedo_mlp import (ZeDOScoreMLP,
                                                   sinusoidal_embedding)


@pytest.fixture(scope='module')
def model():
    torch.manual_seed(0)
    return ZeDOScoreMLP().eval()


def test_param_count_and_state_dict_layout(model):
    n = sum(p.numel() for p in model.parameters() if p.requires_grad)
    assert n == 7_203_379
    assert len(list(model.parameters())) == 34  # = len(ema.shadow_params)
    sd = model.state_dict()
    keys = list(sd)
    assert keys[0] == 'sigmas' and sd['sigmas'].dtype == torch.float64
    torch.testing.assert_close(sd['sigmas'][[0, -1]],
                               torch.tensor([50., 0.01], dtype=torch.float64))
    mods = [k.rsplit('.', 1)[0] for k in keys[1::2]]
    blocks = [f'b{i}_{kind}' for i in (1, 2) for j in (1, 2)
              for kind in (f'dense{j}', f'dense{j}_t', f'gnorm{j}')]
    assert mods == ['pre_dense', 'pre_dense_t', 'pre_gnorm',
                    'shared_time_embed.0'] + blocks + ['post_dense']
    assert tuple(sd['pre_dense.weight'].shape) == (1024, 51)
    assert tuple(sd['b2_dense2_t.weight'].shape) == (1024, 512)
    assert tuple(sd['post_dense.weight'].shape) == (51, 1024)


def test_registry_build():
    m = MODELS.build(dict(type='ZeDOScoreMLP', hidden_dim=64, embed_dim=32))
    assert isinstance(m, ZeDOScoreMLP)


def test_sinusoidal_embedding_hand_values():
    e = sinusoidal_embedding(torch.tensor([0., 1.]), 512)
    assert e.shape == (2, 512)
    torch.testing.assert_close(e[0, :256], torch.zeros(256))
    torch.testing.assert_close(e[0, 256:], torch.ones(256))
    # k=0 -> w=1 ; k=255 -> w = 1/10000 (ln(1e4)/255 per step)
    torch.testing.assert_close(e[1, [0, 255, 256, 511]], torch.tensor(
        [math.sin(1.), math.sin(1e-4), math.cos(1.), math.cos(1e-4)]))


def test_forward_shapes_and_time_scaling(model):
    x = torch.randn(3, 17, 3)
    t = torch.tensor([0.01, 0.05, 0.1])
    with torch.no_grad():
        out = model(x, t)
        assert out.shape == (3, 17, 3)
        flat = model(x.reshape(3, 51), t)
        assert flat.shape == (3, 51)
        torch.testing.assert_close(flat, out.reshape(3, 51))
        # scalar t == broadcast t
        torch.testing.assert_close(model(x, 0.05)[1], out[1])
        # the time embedding sees 999 t: changing t changes the output
        assert (model(x, 0.5) - model(x, 0.05)).abs().max() > 1e-4
        # a per-sample model: row i depends only on x[i] (GroupNorm per sample)
        torch.testing.assert_close(model(x[1:2], t[1:2]), out[1:2])
    with pytest.raises(ValueError, match=r'\(B, 17, 3\)'):
        model(torch.randn(3, 16, 3), t)


def test_dropout_only_in_train_mode():
    torch.manual_seed(1)
    m = ZeDOScoreMLP(hidden_dim=64, embed_dim=32)
    x, t = torch.randn(2, 17, 3), torch.tensor([0.1, 0.2])
    m.train()
    assert not torch.equal(m(x, t), m(x, t))
    m.eval()
    assert torch.equal(m(x, t), m(x, t))
