"""The SyRIP converter on a synthetic snapshot in the original layout:
ZeDO's split and row order, 2D found by image_id, the start pose, both
snapshot kinds (checkout, git directory) and the command line."""
import importlib.util
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

import infant_fixtures as fx
from poselift_mm.datasets.infant import convert_syrip, lsp14_to_h36m
from poselift_mm.datasets.infant.syrip_source import (coco_by_name,
                                                      read_source_file)
from poselift_mm.utils.datafile import DataFileError

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def snapshot(tmp_path):
    src = tmp_path / 'Infant-Postural-Symmetry'
    return src, fx.write_syrip_snapshot(src)


def _rows(written, renamed):
    return [list(written['names3d']).index('GB/' + r) for r in renamed]


def test_split_order_and_pairing(snapshot, tmp_path):
    src, w = snapshot
    paths = convert_syrip(str(src), str(tmp_path / 'out'))
    test = dict(np.load(paths['test']))
    train = dict(np.load(paths['train']))
    # ZeDO's split: the train200 images are the test split, in the 3D
    # file's order; the synthetic rows are dropped
    assert test['imgname'].tolist() == ['train00002.jpg', 'train00001.jpg',
                                        'train00005.jpg']
    assert train['imgname'].tolist() == ['test2.jpg', 'test0.jpg',
                                         'test3.jpg', 'test1.jpg']
    assert str(test['split']) == 'test' and str(train['split']) == 'train'
    for arrays in (test, train):
        rows = _rows(w, arrays['renamed'])
        np.testing.assert_array_equal(arrays['pose3d_lsp14'],
                                      w['pose3d'][rows])
    # 2D by image_id: validate500's first two annotations are swapped in
    # the file, as two of the real file's are
    doc = w['docs']['validate500']
    for i, name in enumerate(train['imgname']):
        np.testing.assert_array_equal(train['keypoints2d_coco'][i],
                                      fx.keypoints_of(doc, name))
        assert tuple(train['image_size'][i]) == fx.SIZES[name]
    assert not np.array_equal(train['keypoints2d_coco'][1],
                              np.reshape(doc['annotations'][0]['keypoints'],
                                         (17, 3)))


def test_start_pose_is_the_first_training_pose(snapshot, tmp_path):
    src, w = snapshot
    paths = convert_syrip(str(src), str(tmp_path / 'out'))
    start = np.load(paths['start_pose'])
    first = w['pose3d'][_rows(w, ['image_01202.jpg'])[0]]
    expected = lsp14_to_h36m(first)
    np.testing.assert_allclose(start[0], expected - expected[0], atol=1e-6)
    assert start.shape == (1, 17, 3) and start.dtype == np.float32


def test_git_directory_equals_checkout(snapshot, tmp_path):
    src, _ = snapshot
    a = convert_syrip(str(src), str(tmp_path / 'a'))
    bare = tmp_path / 'mirror'
    shutil.copytree(fx.git_snapshot(src), bare)  # a git dir, no work tree
    assert read_source_file(str(bare),
                            'data/survey_data/img_name700_map.npy')
    b = convert_syrip(str(bare), str(tmp_path / 'b'))
    for key in ('train', 'test'):
        x, y = np.load(a[key]), np.load(b[key])
        for k in x.files:
            np.testing.assert_array_equal(x[k], y[k])


def test_errors_name_the_file(snapshot, tmp_path):
    src, w = snapshot
    (src / w['paths']['name_map']).unlink()
    with pytest.raises(DataFileError, match='img_name700_map.npy'):
        convert_syrip(str(src), str(tmp_path / 'out'))
    doc = dict(w['docs']['train200'])
    doc['annotations'] = doc['annotations'][1:]
    with pytest.raises(DataFileError, match='no annotation'):
        coco_by_name(json.loads(json.dumps(doc)), 'x.json')


def test_command_line(snapshot, tmp_path, capsys):
    """tools/syrip_to_npz.py, run in-process (its main)."""
    spec = importlib.util.spec_from_file_location(
        'syrip_to_npz', REPO / 'tools' / 'syrip_to_npz.py')
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    src, _ = snapshot
    out = tmp_path / 'syrip'
    tool.main([str(src), str(out)])
    assert sorted(p.name for p in out.iterdir()) == [
        'syrip_start_pose.npy', 'syrip_test.npz', 'syrip_train.npz']
    assert 'syrip_test.npz' in capsys.readouterr().out
    with pytest.raises(SystemExit) as err:
        tool.main([str(tmp_path / 'nowhere'), str(out)])
    assert err.value.code == 2
    assert 'does not exist' in capsys.readouterr().err
