"""SyRIPDataset through MMPose's registry and the infant config's test
pipeline, on a converted synthetic snapshot."""
import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpose.registry import DATASETS

import infant_fixtures as fx
from poselift_mm.datasets.infant import (convert_syrip, coco_to_h36m_2d,
                                         lsp14_to_h36m)

CONFIG = 'configs/zedo_infant/zedo-infant_adult-prior-mlp512_syrip-gt2d.py'


@pytest.fixture
def syrip_dir(tmp_path):
    fx.write_syrip_snapshot(tmp_path / 'src')
    convert_syrip(str(tmp_path / 'src'), str(tmp_path / 'syrip'))
    return tmp_path / 'syrip'


def _dataset(syrip_dir, monkeypatch, **kw):
    from pathlib import Path
    monkeypatch.chdir(Path(__file__).resolve().parents[2])
    init_default_scope('mmpose')
    cfg = Config.fromfile(CONFIG)
    ds = dict(cfg.test_dataloader.dataset, data_root=str(syrip_dir), **kw)
    return DATASETS.build(ds)


def test_samples(syrip_dir, monkeypatch):
    raw = dict(np.load(syrip_dir / 'syrip_test.npz'))
    ds = _dataset(syrip_dir, monkeypatch)
    assert len(ds) == 3
    info = ds.get_data_info(1)
    w, h = raw['image_size'][1]
    cam = info['camera_param']
    np.testing.assert_array_equal(np.ravel(cam['f']), [2000., 2000.])
    np.testing.assert_array_equal(np.ravel(cam['c']), [w / 2, h / 2])
    assert (cam['w'], cam['h']) == (w, h)
    np.testing.assert_allclose(info['lifting_target'][0],
                               lsp14_to_h36m(raw['pose3d_lsp14'][1]))
    uv, sc = coco_to_h36m_2d(raw['keypoints2d_coco'][1, :, :2],
                             raw['keypoints2d_coco'][1, :, 2])
    np.testing.assert_allclose(info['keypoints'][0], uv, rtol=1e-6)
    np.testing.assert_array_equal(info['keypoints_visible'][0], sc)
    assert sc[3] == 1 and sc[9] == 0  # COCO left_ear unlabelled: unused
    # the pipeline packs pixels, scores and the camera for ZeDO
    out = ds[1]
    assert tuple(out['inputs'].shape) == (1, 17, 2)
    ds_meta = out['data_samples'].metainfo
    np.testing.assert_array_equal(np.ravel(ds_meta['camera_param']['c']),
                                  [w / 2, h / 2])
    label = out['data_samples'].gt_instance_labels.lifting_target_label
    np.testing.assert_allclose(np.asarray(label)[0, 0], 0., atol=1e-6)


def test_options_and_refusals(syrip_dir, monkeypatch):
    ds = _dataset(syrip_dir, monkeypatch, focal=1000., no_2d_joints=())
    info = ds.get_data_info(0)
    assert np.ravel(info['camera_param']['f']).tolist() == [1000., 1000.]
    assert info['keypoints_visible'][0, 9] == 1
    with pytest.raises(ValueError, match='camera_param_file'):
        _dataset(syrip_dir, monkeypatch, camera_param_file='x.pkl')
    with pytest.raises(ValueError, match='seq_len'):
        _dataset(syrip_dir, monkeypatch, seq_len=2)
    np.savez(syrip_dir / 'bad.npz', imgname=np.array(['a']),
             pose3d_lsp14=np.zeros((1, 13, 3)),
             keypoints2d_coco=np.zeros((1, 17, 3)),
             image_size=np.ones((1, 2)))
    with pytest.raises(ValueError, match='pose3d_lsp14.*got 13'):
        _dataset(syrip_dir, monkeypatch, ann_file='bad.npz')
