"""The infant configs through MMEngine's runner on a converted synthetic
SyRIP snapshot: the lifter tests end to end, the control branch trains
from the committed adult prior and keeps it frozen."""
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import CheckpointLoader, Runner

import infant_fixtures as fx
from poselift_mm.datasets.infant import convert_syrip

REPO = Path(__file__).resolve().parents[2]
CFG = REPO / 'configs' / 'zedo_infant'
ADULT = 'checkpoints/zedo/zedo_prior-mlp512_h36m-mocap_cpu-24871e11.pth'
FAST_TEST = dict(ipo=dict(iters=5), oil=dict(iters=10))


@pytest.fixture
def syrip_dir(tmp_path):
    fx.write_syrip_snapshot(tmp_path / 'src')
    convert_syrip(str(tmp_path / 'src'), str(tmp_path / 'syrip'))
    return tmp_path / 'syrip'


def _cfg(name, syrip_dir, work_dir, **extra):
    cfg = Config.fromfile(str(CFG / name))
    cfg.merge_from_dict({
        'train_dataloader.dataset.data_root': str(syrip_dir),
        'train_dataloader.batch_size': 4,
        'val_dataloader.dataset.data_root': str(syrip_dir),
        'test_dataloader.dataset.data_root': str(syrip_dir),
        'model.test_cfg.ipo.iters': 5, 'model.test_cfg.oil.iters': 10,
        **extra})
    cfg.work_dir = str(work_dir)
    cfg.default_hooks.logger.interval = 1
    return cfg


def test_adult_prior_lifter_end_to_end(syrip_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    cfg = _cfg('zedo-infant_adult-prior-mlp512_syrip-gt2d.py', syrip_dir,
               tmp_path / 'work', load_from=ADULT)
    cfg.model.init_poses.file = str(syrip_dir / 'syrip_start_pose.npy')
    metrics = Runner.from_cfg(cfg).test()
    assert set(metrics) >= {'syrip/MPJPE', 'syrip/P-MPJPE'}
    assert 0 < metrics['syrip/P-MPJPE'] <= metrics['syrip/MPJPE']
    assert np.isfinite(metrics['syrip/MPJPE'])


def test_control_branch_trains_on_the_frozen_adult_prior(
        syrip_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    cfg = _cfg('zedo-infant_control-mlp512_syrip_cpu.py', syrip_dir,
               tmp_path / 'work', **{
                   'train_cfg.max_iters': 3, 'train_cfg.val_interval': 100,
                   'default_hooks.checkpoint.interval': 3})
    Runner.from_cfg(cfg).train()
    trained = CheckpointLoader.load_checkpoint(
        str(tmp_path / 'work' / 'iter_3.pth'), map_location='cpu')
    adult = CheckpointLoader.load_checkpoint(ADULT, map_location='cpu')
    state, ref = trained['state_dict'], adult['state_dict']
    for key, value in ref.items():  # the adult branch did not move
        torch.testing.assert_close(state[key].float(), value.float())
    # the control copy started from the adult weights and trained
    moved = state['head.denoiser.ctrl_b1_dense1.weight'] - \
        ref['head.denoiser.b1_dense1.weight'].float()
    assert 0 < moved.abs().max() < 0.1
    assert state['head.denoiser.zero_pre.weight'].abs().sum() > 0


def test_mini_rgbd_config_end_to_end(tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    fx.write_mini_rgbd(tmp_path / 'MINI-RGBD_web', ('11', '12'), frames=2)
    cfg = Config.fromfile(
        str(CFG / 'zedo-infant_adult-prior-mlp512_mini-rgbd-gt2d.py'))
    cfg.merge_from_dict({'test_dataloader.dataset.data_root': str(tmp_path),
                         'model.test_cfg.ipo.iters': 5,
                         'model.test_cfg.oil.iters': 10})
    cfg.work_dir, cfg.load_from = str(tmp_path / 'work'), ADULT
    metrics = Runner.from_cfg(cfg).test()
    assert np.isfinite(metrics['mini-rgbd/MPJPE'])
    assert 0 < metrics['mini-rgbd/P-MPJPE'] <= metrics['mini-rgbd/MPJPE']
