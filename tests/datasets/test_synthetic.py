"""The procedural Human3.6M-format set: geometry, layout, MMPose loading."""
import pickle

import numpy as np
import pytest

from poselift_mm.datasets.h36m_format import (h36m_imgname,
                                              make_h36m_annotation)
from poselift_mm.datasets.synthetic import (REST_OFFSETS_M, synthesize_h36m,
                                            synthesize_sequence)
from poselift_mm.geometry import (H36M17_PARENTS, camera_from_pkl,
                                  project_to_pixels)


@pytest.fixture(scope='module')
def synthetic_root(tmp_path_factory):
    root = tmp_path_factory.mktemp('synthetic_h36m')
    synthesize_h36m(str(root), splits=dict(train=('S1', ), test=('S8', )),
                    num_frames=40, seed=3)
    return root


def test_layout_and_projection(synthetic_root):
    ann = np.load(synthetic_root / 'annotation_body3d/fps50/h36m_train.npz')
    assert set(ann.files) == {'imgname', 'center', 'scale', 'part', 'S'}
    n = len(ann['imgname'])
    assert n == 4 * 4 * 40  # actions x cameras x frames
    assert ann['part'].shape == (n, 17, 3) and ann['S'].shape == (n, 17, 4)
    with open(synthetic_root / 'annotation_body3d/cameras.pkl', 'rb') as f:
        cameras = pickle.load(f)
    assert len(cameras) == 4 * 2
    # 2D must be the distorted projection of 3D, through the stored cameras.
    errors = []
    for name, part, s in zip(ann['imgname'], ann['part'], ann['S']):
        subject, rest = name.split('/')[1].split('_', 1)
        cam = camera_from_pkl(cameras, subject, rest.split('.')[1])
        uv = project_to_pixels(s[:, :3], cam['f'], cam['c'], cam['k'],
                               cam['p'])
        errors.append(np.abs(uv - part[:, :2]).max())
    assert max(errors) < 1e-6
    # everyone is in front of the cameras, inside the image
    assert (ann['S'][..., 2] > 1).all()
    assert (ann['part'][..., :2] > 0).all() and (ann['part'][..., :2] <
                                                  1000).all()


def test_bone_lengths_are_rigid():
    seq = synthesize_sequence('Walking', 60, 50.0, np.random.default_rng(0))
    child = np.arange(1, 17)
    parent = np.array(H36M17_PARENTS[1:])
    bones = np.linalg.norm(seq[:, child] - seq[:, parent], axis=-1)
    np.testing.assert_allclose(
        bones, np.broadcast_to(np.linalg.norm(REST_OFFSETS_M[1:], axis=-1),
                               bones.shape), atol=1e-9)
    # feet on the floor: the lowest joint of every frame is at z = 0
    np.testing.assert_allclose(seq[..., 2].min(axis=-1), 0, atol=1e-9)


@pytest.mark.parametrize('seq_len', [1, 27])
def test_mmpose_human36m_dataset_loads(synthetic_root, seq_len):
    from mmpose.datasets import Human36mDataset
    ds = Human36mDataset(
        ann_file='annotation_body3d/fps50/h36m_test.npz',
        data_root=str(synthetic_root),
        camera_param_file='annotation_body3d/cameras.pkl',
        seq_len=seq_len, causal=False, pad_video_seq=True)
    assert len(ds) == 4 * 4 * 40
    info = ds.get_data_info(0)
    # MMPose keeps (1, T, K, 2) for sequences and (1, K, 2) for single frames
    kpts = info['keypoints']
    assert kpts.shape[-2:] == (17, 2)
    assert int(np.prod(kpts.shape[:-2])) == seq_len
    assert info['lifting_target'].shape[-2:] == (17, 3)
    assert 'f' in info['camera_param']


def test_imgname_pattern_and_errors():
    assert h36m_imgname('S1', 'Walking_1', '54138969', 0) == \
        'S1/S1_Walking_1.54138969/S1_Walking_1.54138969_000001.jpg'
    with pytest.raises(ValueError, match="camera_id"):
        h36m_imgname('S1', 'Walking', 'cam_1', 0)
    with pytest.raises(ValueError, match='17 joints'):
        make_h36m_annotation(['a'], np.zeros((1, 17, 3)), np.zeros((1, 16, 2)))
    with pytest.raises(ValueError, match='non-finite'):
        make_h36m_annotation(['a'], np.full((1, 17, 3), np.nan),
                             np.zeros((1, 17, 2)))


def test_cameras_pkl_round_trip_matches_mmpose(synthetic_root):
    """The stored camera reproduces 3D through MMPose's own SimpleCamera."""
    from mmpose.utils.camera import SimpleCamera
    ann = np.load(synthetic_root / 'annotation_body3d/fps50/h36m_test.npz')
    with open(synthetic_root / 'annotation_body3d/cameras.pkl', 'rb') as f:
        cameras = pickle.load(f)
    name = ann['imgname'][0]
    subject, rest = name.split('/')[1].split('_', 1)
    key = (subject, rest.split('.')[1])
    ours = camera_from_pkl(cameras, *key)
    from poselift_mm.geometry import camera_to_world
    world = camera_to_world(ann['S'][0, :, :3], ours['R'], ours['T'])
    mm_cam = SimpleCamera(cameras[key])
    np.testing.assert_allclose(mm_cam.world_to_camera(world),
                               ann["S"][0, :, :3],
                               atol=1e-5)  # SimpleCamera: float32
    # the pose stands on the floor of the world (z up)
    assert abs(world[:, 2].min()) < 1e-6
