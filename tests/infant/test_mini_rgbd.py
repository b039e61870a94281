"""The MINI-RGBD reader and dataset on joint files in its layout."""
import numpy as np
import pytest
from mmengine.registry import init_default_scope
from mmpose.registry import DATASETS

import infant_fixtures as fx
from poselift_mm.datasets.infant import (MINI_RGBD_INTRINSICS,
                                         mini_rgbd_to_h36m, read_mini_rgbd)
from poselift_mm.utils.datafile import DataFileError


def test_reader_pairs_frames_in_order(tmp_path):
    written = fx.write_mini_rgbd(tmp_path, ('11', '12'), frames=3)
    raw = read_mini_rgbd(str(tmp_path), ('12', '11'))
    assert raw['imgname'].tolist()[:2] == ['12/syn_00000.png',
                                           '12/syn_00001.png']
    assert raw['joints_2d'].shape == (6, 25, 2)
    assert raw['joints_3d'].shape == (6, 25, 3)
    for i, name in enumerate(raw['imgname']):
        uvd, xyz = written[name]
        np.testing.assert_allclose(raw['joints_2d'][i], uvd[:, :2],
                                   atol=1e-3)
        np.testing.assert_allclose(raw['joints_3d'][i], xyz, atol=1e-6)


def test_reader_errors(tmp_path):
    fx.write_mini_rgbd(tmp_path, ('11', ), frames=1)
    with pytest.raises(DataFileError, match='sequence folder missing'):
        read_mini_rgbd(str(tmp_path), ('12', ))
    bad = tmp_path / '11' / 'joints_3D' / 'syn_joints_3D_00000.txt'
    bad.write_text('\n'.join(bad.read_text().splitlines()[:24]))
    with pytest.raises(DataFileError, match='25 finite lines'):
        read_mini_rgbd(str(tmp_path), ('11', ))


def test_dataset(tmp_path):
    written = fx.write_mini_rgbd(tmp_path / 'MINI-RGBD_web', ('11', '12'),
                                 frames=2)
    init_default_scope('mmpose')
    ds = DATASETS.build(dict(type='MiniRGBDDataset', data_root=str(tmp_path),
                             ann_file='MINI-RGBD_web', test_mode=True))
    assert len(ds) == 4
    info = ds.get_data_info(3)
    uvd, xyz = written['12/syn_00001.png']
    np.testing.assert_allclose(info['lifting_target'][0],
                               mini_rgbd_to_h36m(xyz), atol=1e-6)
    np.testing.assert_allclose(info['keypoints'][0],
                               mini_rgbd_to_h36m(uvd[:, :2]), atol=1e-3)
    cam = info['camera_param']
    np.testing.assert_allclose(np.ravel(cam['f']), MINI_RGBD_INTRINSICS['f'])
    assert (cam['w'], cam['h']) == (640, 480)
    ds = DATASETS.build(dict(type='MiniRGBDDataset', data_root=str(tmp_path),
                             ann_file='MINI-RGBD_web', sequences=('11', ),
                             joint_map='zedo', test_mode=True))
    info = ds.get_data_info(0)
    np.testing.assert_allclose(
        info['lifting_target'][0],
        mini_rgbd_to_h36m(written['11/syn_00000.png'][1], 'zedo'), atol=1e-6)
    with pytest.raises(ValueError, match='rule'):
        DATASETS.build(dict(type='MiniRGBDDataset', data_root=str(tmp_path),
                            ann_file='MINI-RGBD_web', joint_map='x'))
