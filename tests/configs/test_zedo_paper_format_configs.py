"""The ZeDO zero-shot test configs for ZeDO's own 3DHP and 3DPW files run
end to end through mmengine's Runner (tools/test.py's path) on fixture
files with the original layouts and the released checkpoint."""
import sys
from pathlib import Path

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.runner import Runner

import poselift_mm  # noqa: F401

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / 'tests' / 'datasets'))
import fixtures_paper_formats as fx  # noqa: E402
from poselift_mm.datasets.readers import VIDEOPOSE3D_CAMERA_IDS  # noqa: E402


def _poses():
    motion, cams = fx.world_motion(subjects=('S1', ), actions=('Waiting', ),
                                   num_frames=12, seed=4)
    entry = cams[('S1', VIDEOPOSE3D_CAMERA_IDS[0])]
    return fx.camera_frame(motion['S1']['Waiting'], entry)


def _run(cfg_path, tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    ckpt = sorted((REPO / 'checkpoints/zedo').glob(
        'zedo_prior-mlp512_h36m-mocap_cpu-*.pth'))[0]
    cfg = Config.fromfile(str(REPO / cfg_path))
    cfg.merge_from_dict({
        'test_dataloader.dataset.data_root': str(tmp_path) + '/',
        'model.test_cfg.ipo.iters': 5, 'model.test_cfg.oil.iters': 5,
        'load_from': str(ckpt), 'work_dir': str(tmp_path / 'work'),
        'log_level': 'WARNING'})
    return Runner.from_cfg(cfg).test()


def test_3dhp_pkl_config(tmp_path, monkeypatch):
    x = _poses()
    f, c = np.array([1500., 1501.]), np.array([1017., 1043.])
    valid = np.ones(len(x), int)
    fx.write_pickle(tmp_path / 'mpii3d_test.pkl',
                    fx.zedo_mpii3d_items(x, f, c, 2048, 2048, valid))
    m = _run('configs/zedo/zedo_prior-mlp512_zedo-3dhp-pkl_cpu.py',
             tmp_path, monkeypatch)
    assert np.isfinite(m['3dhp/MPJPE']) and 0 < m['3dhp/MPJPE'] < 1000
    pck = [v for k, v in m.items() if 'PCK' in k]
    assert pck and all(0 <= v <= 100 for v in pck)


def test_3dpw_npz_config(tmp_path, monkeypatch):
    x = _poses()
    n = len(x)
    f2 = np.stack([np.full(n, 1961.), np.full(n, 1969.)], 1)
    c2 = np.tile([540., 960.], (n, 1))
    fx.write_zedo_pw3d_npz(tmp_path / 'pw3d_test.npz', x, f2, c2, 1080, 1920,
                           [f'imageFiles/seq_00/image_{i:05d}.jpg'
                            for i in range(n)])
    m = _run('configs/zedo/zedo_prior-mlp512_zedo-3dpw-npz_cpu.py',
             tmp_path, monkeypatch)
    assert np.isfinite(m['3dpw/MPJPE']) and 0 < m['3dpw/MPJPE'] < 1000
