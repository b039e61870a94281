"""ZeDOControlMLP: equal to the adult prior at initialisation, adult weights
loaded before the copy, only the control branch trains, the repaired
second control layer."""
import pytest
import torch
from mmpose.registry import MODELS

import poselift_mm  # noqa: F401
from poselift_mm.models.denoisers import ZeDOControlMLP, ZeDOScoreMLP

SMALL = dict(num_joints=17, hidden_dim=64, embed_dim=32, n_blocks=2,
             num_groups=8, dropout=0.25)


def _adult_checkpoint(tmp_path, seed=0):
    torch.manual_seed(seed)
    adult = ZeDOScoreMLP(**SMALL).eval()
    state = {f'head.denoiser.{k}': v.half() if v.is_floating_point() and
             v.dtype == torch.float32 else v
             for k, v in adult.state_dict().items()}
    path = tmp_path / 'adult.pth'
    torch.save(dict(state_dict=state, meta=dict()), path)
    adult.load_state_dict({k[len('head.denoiser.'):]: v.float() if
                           v.dtype == torch.float16 else v
                           for k, v in state.items()})
    return adult, str(path)


def _inputs(n=6, seed=1):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 17, 3, generator=g) * 0.2, torch.rand(n,
                                                                generator=g)


def test_equals_the_adult_prior_after_init_weights(tmp_path):
    adult, path = _adult_checkpoint(tmp_path)
    torch.manual_seed(5)  # other random weights than the adult's
    ctrl = MODELS.build(dict(type='ZeDOControlMLP', pretrained=path,
                             **SMALL)).eval()
    x, t = _inputs()
    assert not torch.allclose(ctrl(x, t), adult(x, t))
    ctrl.init_weights()
    torch.testing.assert_close(ctrl(x, t), adult(x, t))
    # the control copies hold the adult weights, the projections zeros
    torch.testing.assert_close(ctrl.ctrl_b2_dense1.weight,
                               ctrl.b2_dense1.weight)
    assert ctrl.zero_b1_2.weight.abs().sum() == 0
    assert ctrl.cond_in.weight.abs().sum() == 0


def test_only_the_control_branch_trains(tmp_path):
    adult, path = _adult_checkpoint(tmp_path)
    ctrl = ZeDOControlMLP(pretrained=path, **SMALL)
    ctrl.init_weights()
    frozen = {n: p.detach().clone() for n, p in ctrl.named_parameters()
              if n in ctrl.prior_names}
    assert frozen and not any(p.requires_grad for n, p in
                              ctrl.named_parameters() if n in frozen)
    opt = torch.optim.Adam([p for p in ctrl.parameters() if p.requires_grad],
                           lr=1e-2)
    x, t = _inputs()
    for _ in range(3):
        opt.zero_grad()
        ctrl(x, t).pow(2).mean().backward()
        opt.step()
    for n, p in ctrl.named_parameters():
        if n in frozen:
            torch.testing.assert_close(p, frozen[n])
    assert ctrl.zero_pre.weight.abs().sum() > 0
    assert ctrl.infant_cond.grad is not None
    ctrl.eval()
    adult.eval()
    assert not torch.allclose(ctrl(x, t), adult(x, t))
    assert ctrl.control_parameters() > 0


def test_second_control_layer_reads_the_first(tmp_path):
    """The release overwrote ``dense2(c)`` with ``dense2_t(temb)``: with the
    repair, the second control layer's input matters."""
    torch.manual_seed(0)
    ctrl = ZeDOControlMLP(**SMALL).eval()
    torch.nn.init.normal_(ctrl.zero_b1_2.weight)
    x, t = _inputs()
    before = ctrl(x, t)
    with torch.no_grad():
        ctrl.ctrl_b1_dense2.weight.mul_(2.)
    assert not torch.allclose(ctrl(x, t), before)


def test_refuses_a_checkpoint_of_another_size(tmp_path):
    _, path = _adult_checkpoint(tmp_path)
    ctrl = ZeDOControlMLP(pretrained=path, **dict(SMALL, hidden_dim=32))
    with pytest.raises(RuntimeError, match='size mismatch'):
        ctrl.init_weights()
    other = ZeDOControlMLP(pretrained=path, pretrained_prefix='backbone.',
                           **SMALL)
    with pytest.raises(ValueError, match='does not fit the adult branch'):
        other.init_weights()
