"""Every shipped config parses and builds its model; the paper-size models
(GPU configs, not trained here) run one forward / loss pass on random
inputs of the right shapes (a smoke test, no accuracy)."""
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

import poselift_mm  # noqa: F401
from mmpose.registry import MODELS
from mmpose.structures import PoseDataSample
from mmengine.structures import InstanceData

REPO = Path(__file__).resolve().parents[2]
CONFIGS = sorted(p for p in (REPO / 'configs').rglob('*.py')
                 if '_base_' not in p.parts and not p.name.startswith('_'))


def _build(path):
    init_default_scope('mmpose')
    cfg = Config.fromfile(str(path))
    model_cfg = cfg.model.copy()
    # pretrained-initialiser paths point at work_dirs: not needed to build
    for part in ('backbone', 'head'):
        if isinstance(model_cfg.get(part), dict):
            model_cfg[part].pop('init_cfg', None)
    return cfg, MODELS.build(model_cfg)


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: p.stem)
def test_config_builds(path, monkeypatch):
    monkeypatch.chdir(REPO)
    cfg, model = _build(path)
    assert cfg.default_scope == 'mmpose'
    assert 'poselift_mm' in cfg.custom_imports['imports']
    assert sum(p.numel() for p in model.parameters()) > 0
    # every test set takes MMPose's Human36mDataset fields
    ds = cfg.test_dataloader.dataset
    assert 'ann_file' in ds and 'data_root' in ds


def _samples(b, t, k=17):
    out = []
    for _ in range(b):
        ds = PoseDataSample()
        ds.gt_instances = InstanceData(
            keypoints_visible=torch.ones(t, k).numpy(),
            lifting_target=torch.zeros(t, k, 3).numpy())
        ds.gt_instance_labels = InstanceData(
            lifting_target_label=torch.randn(t, k, 3) * 0.2)
        ds.set_metainfo(dict(camera_param=dict(
            w=1000, h=1000, f=[[1145.], [1144.]], c=[[512.], [515.]])))
        out.append(ds)
    return out


def test_paper_video_diffpose_forward(monkeypatch):
    monkeypatch.chdir(REPO)
    torch.set_num_threads(max(1, torch.get_num_threads()))
    _, model = _build(REPO / 'configs/diffpose/'
                      'diffpose_gcndiff-mixste243_h36m_paper.py')
    n = sum(p.numel() for p in model.backbone.parameters())
    assert n == 33_783_811
    model.eval()
    x = torch.rand(1, 34, 243) * 2 - 1
    out = model(x, _samples(1, 243), mode='predict')
    kp = out[0].pred_instances.keypoints
    assert kp.shape == (1, 243, 17, 3) and torch.isfinite(
        torch.as_tensor(kp)).all()


def test_paper_frame_diffpose_loss(monkeypatch):
    monkeypatch.chdir(REPO)
    _, model = _build(REPO /
                      'configs/diffpose/diffpose_gcndiff-gcnpose_h36m_paper.py')
    model.train()
    losses = model(torch.rand(4, 34, 1) * 2 - 1, _samples(4, 1), mode='loss')
    assert set(losses) == {'loss_diff'} and torch.isfinite(
        losses['loss_diff'])


def test_paper_zedo_loss_and_predict(monkeypatch):
    monkeypatch.chdir(REPO)
    cfg, model = _build(REPO /
                        'configs/zedo/zedo_prior-mlp1024_h36m-mocap_paper.py')
    assert sum(p.numel() for p in model.parameters()) == 7_203_379
    model.train()
    losses = model(torch.zeros(2, 34, 1), _samples(2, 1), mode='loss')
    assert torch.isfinite(losses['loss_dsm'])
    model.test_cfg['ipo']['iters'] = 2
    model.test_cfg['oil']['iters'] = 2
    uv = torch.tensor([[500., 300.]]).repeat(17, 1) + torch.randn(17, 2) * 40
    x = uv.reshape(1, 17, 2).permute(0, 1, 2).reshape(1, 17, 2, 1).reshape(
        1, 34, 1)
    out = model(x, _samples(1, 1), mode='predict')
    p = out[0].pred_instances
    assert p.hypotheses.shape == (1, 50, 17, 3)
    assert torch.isfinite(torch.as_tensor(p.keypoints)).all()
