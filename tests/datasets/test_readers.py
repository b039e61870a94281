"""Dataset readers and registered datasets for MMPose, VideoPose3D, DiffPose
and ZeDO files.

Real data (skipped when ``shared/data`` is absent): MMPose's Human3.6M sample
(npz, 2D detections, all 44 cameras) and MPI-INF-3DHP sample (npz, train and
test cameras). The VideoPose3D, DiffPose and ZeDO files are not available
here: their tests build small files at test time in ``tmp_path`` with
``fixtures_paper_formats.py``, with exactly the keys, dtypes, nesting and
shapes the papers' loader code reads (cited there); no binary fixture is
committed.
"""
import os.path as osp
import pickle

import numpy as np
import pytest
from mmengine.registry import DefaultScope
from mmpose.datasets import Human36mDataset
from mmpose.registry import DATASETS

from poselift_mm.datasets.lifting_datasets import (PoseLiftH36MDataset,
                                                   PoseLiftMpiInf3dhpDataset,
                                                   VideoPose3DH36MDataset,
                                                   ZeDOPklDataset)
from poselift_mm.datasets.readers import (H36M32_TO_17, H36M_CAMERA_SIZES,
                                          VIDEOPOSE3D_CAMERA_IDS,
                                          DataFileError,
                                          build_sequence_indices,
                                          parse_h36m_imgnames,
                                          videopose3d_camera_to_pkl_entry)
from poselift_mm.geometry import quaternion_to_matrix
from poselift_mm.datasets.synthetic import synthesize_h36m
import fixtures_paper_formats as fx

pytestmark = pytest.mark.filterwarnings('ignore::UserWarning')


# ----------------------------------------------------------------- helpers
def assert_same_info(a: dict, b: dict, skip=()):
    assert sorted(set(a) - set(skip)) == sorted(set(b) - set(skip))
    for key in a:
        if key in skip:
            continue
        va, vb = a[key], b[key]
        if isinstance(va, dict):
            assert_same_info(va, vb)
        elif isinstance(va, np.ndarray):
            assert va.dtype == vb.dtype and va.shape == vb.shape, key
            np.testing.assert_array_equal(va, vb, err_msg=key)
        else:
            assert va == vb, key


def vp3d_project(x_cam, entry):
    """VideoPose3D common/camera.py project_to_2d, re-derived here: tangential
    terms (p_a, p_b) with x' = x (radial + p_a x + p_b y) + p_a r^2; the
    VideoPose3D table lists (p_a, p_b) = MMPose's p reversed."""
    f, c = entry['f'].reshape(2), entry['c'].reshape(2)
    k, p = entry['k'].reshape(3), entry['p'].reshape(2)[::-1]
    xy = x_cam[..., :2] / x_cam[..., 2:]
    r2 = (xy**2).sum(-1, keepdims=True)
    radial = 1 + k[0] * r2 + k[1] * r2**2 + k[2] * r2**3
    tan = (p * xy).sum(-1, keepdims=True)
    return f * (xy * (radial + tan) + p * r2) + c


def qmul(a, b):
    aw, ax, ay, az = np.moveaxis(a, -1, 0)
    bw, bx, by, bz = np.moveaxis(b, -1, 0)
    return np.stack([
        aw * bw - ax * bx - ay * by - az * bz,
        aw * bx + ax * bw + ay * bz - az * by,
        aw * by - ax * bz + ay * bw + az * bx,
        aw * bz + ax * by - ay * bx + az * bw
    ], -1)


def vp3d_world_to_camera(x, q, t):
    """VideoPose3D: qrot(qinverse(q), X - t), via quaternion products."""
    qi = q * np.array([1, -1, -1, -1])
    v = np.concatenate([np.zeros(x.shape[:-1] + (1, )), x - t], -1)
    return qmul(qmul(np.broadcast_to(qi, v.shape), v),
                np.broadcast_to(q, v.shape))[..., 1:]


def matrix_to_quaternion(r):
    from scipy.spatial.transform import Rotation
    x, y, z, w = Rotation.from_matrix(r).as_quat()
    return np.array([w, x, y, z])


@pytest.fixture(scope='module')
def synth(tmp_path_factory):
    root = tmp_path_factory.mktemp('synthetic_h36m')
    paths = synthesize_h36m(str(root), splits=dict(train=('S1', ),
                                                   test=('S8', )),
                            actions=('Walking', 'Waving'), num_frames=40,
                            seed=5)
    return paths


def h36m_kwargs(ann, cams, **kw):
    return dict(ann_file=str(ann), camera_param_file=str(cams),
                test_mode=True, **kw)


# ------------------------------------------------------------ MMPose H36M
def test_h36m_real_sample_equals_mmpose(h36m_samples):
    d = h36m_samples
    kw = dict(ann_file=str(d / 'test_h36m_body3d.npz'),
              camera_param_file=str(d / 'cameras.pkl'),
              keypoint_2d_src='detection',
              keypoint_2d_det_file=str(d / 'test_h36m_2d_detection.npy'),
              test_mode=True)
    ours = DATASETS.build(dict(type='PoseLiftH36MDataset', **kw))
    ref = Human36mDataset(**kw)
    ann = np.load(d / 'test_h36m_body3d.npz')
    det = np.load(d / 'test_h36m_2d_detection.npy')
    with open(d / 'cameras.pkl', 'rb') as f:
        cams = pickle.load(f)
    assert len(ours) == len(ref) == 4
    for i in range(4):
        a, b = ours.get_data_info(i), ref.get_data_info(i)
        assert_same_info(a, b)
        np.testing.assert_allclose(a['lifting_target'][0], ann['S'][i, :, :3],
                                   rtol=1e-6)
        np.testing.assert_allclose(a['keypoints'][0], det[i, :, :2],
                                   rtol=1e-6)
        subj, _, cam = parse_h36m_imgnames(ann['imgname'][i:i + 1])
        assert a['camera_param'] is cams[(subj[0], cam[0])] or \
            np.array_equal(a['camera_param']['f'], cams[(subj[0],
                                                         cam[0])]['f'])


@pytest.mark.parametrize('seq_len,causal,pad,step', [(27, True, False, 1),
                                                     (27, False, True, 1),
                                                     (5, False, True, 3),
                                                     (9, True, False, 2)])
def test_h36m_sequences_equal_mmpose(synth, seq_len, causal, pad, step):
    kw = h36m_kwargs(synth['train'], synth['cameras'], seq_len=seq_len,
                     causal=causal, pad_video_seq=pad, seq_step=step)
    ours, ref = PoseLiftH36MDataset(**kw), Human36mDataset(**kw)
    assert len(ours) == len(ref) > 0
    for i in (0, len(ref) // 2, len(ref) - 1):
        a = ours.get_data_info(i)
        assert_same_info(a, ref.get_data_info(i))
    if seq_len == 27:
        assert a['keypoints'].shape == (27, 17, 2)
        assert a['lifting_target'].shape == (1, 17, 3)
        ann = np.load(synth['train'])
        target = a['img_ids'][-1 if causal else 13]
        np.testing.assert_allclose(a['lifting_target'][0],
                                   ann['S'][target, :, :3], rtol=1e-6)


def test_h36m_even_centred_padded_seq_len_is_refused(synth):
    with pytest.raises(ValueError, match='use an odd seq_len'):
        PoseLiftH36MDataset(**h36m_kwargs(synth['train'], synth['cameras'],
                                          seq_len=4, causal=False,
                                          pad_video_seq=True))


@pytest.mark.parametrize('kw', [
    dict(seq_len=1), dict(seq_len=27), dict(seq_len=27, causal=False,
                                            pad_video_seq=True),
    dict(seq_len=4, causal=False, pad_video_seq=True, seq_step=3),
    dict(seq_len=6, seq_step=2), dict(multiple_target=10),
    dict(multiple_target=10, multiple_target_step=4)
])
def test_build_sequence_indices_equals_mmpose(synth, kw):
    ref = Human36mDataset(**h36m_kwargs(synth['train'], synth['cameras'],
                                        lazy_init=True, **kw))
    subj, act, cam = parse_h36m_imgnames(np.load(synth['train'])['imgname'])
    keys = np.char.add(np.char.add(np.char.add(subj, '\0'), act),
                       np.char.add('\0', cam))
    args = dict(seq_len=1, seq_step=1, causal=True, pad_video_seq=False,
                multiple_target=0, multiple_target_step=0)
    args.update(kw)
    assert build_sequence_indices(keys, **args) == ref.sequence_indices


def _rewrite(src, dst, **changes):
    data = dict(np.load(src))
    for k, v in changes.items():
        if v is None:
            data.pop(k)
        else:
            data[k] = v(data[k]) if callable(v) else v
    np.savez(dst, **data)
    return str(dst)


def _nan_at(a, idx):
    a = a.copy()
    a[idx] = np.nan
    return a


@pytest.mark.parametrize('change,pattern', [
    (dict(S=None), r"key 'S': missing"),
    (dict(imgname=None), r"key 'imgname': missing"),
    (dict(part=lambda a: a[:, :16]), r"key 'part': wrong joint count: "
     r'expected 17 joints, got 16'),
    (dict(S=lambda a: a[:, :16]), r"key 'S': wrong joint count"),
    (dict(part=lambda a: _nan_at(a, (3, 5, 0))),
     r"key 'part': 1 non-finite values .* index \(3, 5, 0\)"),
    (dict(S=lambda a: _nan_at(a, (7, 2, 2)) * np.inf),
     r"key 'S': \d+ non-finite"),
    (dict(center=lambda a: a[:-1]), r"key 'center': expected shape"),
    (dict(imgname=lambda a: np.char.replace(a, '.', '-')),
     r"key 'imgname': \d+ names do not look like"),
])
def test_h36m_bad_annotation(synth, tmp_path, change, pattern):
    bad = _rewrite(synth['train'], tmp_path / 'bad_ann.npz', **change)
    with pytest.raises(ValueError, match=r'bad_ann\.npz: ' + pattern):
        PoseLiftH36MDataset(**h36m_kwargs(bad, synth['cameras']))


@pytest.mark.parametrize('make,pattern', [
    (lambda p: p[:-2], r'\d+ detection rows but the annotation file has'),
    (lambda p: _nan_at(p, (1, 0, 1)),
     r'1 non-finite values .* \(1, 0, 1\)'),
    (lambda p: p[:, :15], 'wrong joint count: expected 17 joints, got 15'),
    (lambda p: p[..., :2], r'expected shape \(\*, 17, 3\)'),
])
def test_h36m_bad_detections(synth, tmp_path, make, pattern):
    part = np.load(synth['train'])['part']
    det = tmp_path / 'bad_det.npy'
    np.save(det, make(part))
    with pytest.raises(DataFileError, match=r'bad_det\.npy: key '
                       r"'keypoints': " + pattern):
        PoseLiftH36MDataset(**h36m_kwargs(
            synth['train'], synth['cameras'], keypoint_2d_src='detection',
            keypoint_2d_det_file=str(det)))


def test_h36m_missing_files_and_cameras(synth, tmp_path):
    with open(synth['cameras'], 'rb') as f:
        cams = pickle.load(f)
    key = sorted(k for k in cams if k[0] == 'S1')[2]
    cams.pop(key)
    fx.write_cameras_pkl(tmp_path / 'cams.pkl', cams)
    with pytest.raises(DataFileError, match=r"cams\.pkl: key \('S1', '"
                       + key[1] + r"'\): no camera for this key"):
        PoseLiftH36MDataset(**h36m_kwargs(synth['train'],
                                          tmp_path / 'cams.pkl'))
    with open(synth['cameras'], 'rb') as f:
        cams = pickle.load(f)
    cams[key] = {k: v for k, v in cams[key].items() if k != 'c'}
    fx.write_cameras_pkl(tmp_path / 'cams_c.pkl', cams)
    with pytest.raises(DataFileError, match=r"cams_c\.pkl: key \('S1', .*"
                       r"lacks \['c'\]"):
        PoseLiftH36MDataset(**h36m_kwargs(synth['train'],
                                          tmp_path / 'cams_c.pkl'))
    with pytest.raises(DataFileError, match=r'nope\.npz: ann_file does not'):
        PoseLiftH36MDataset(**h36m_kwargs(tmp_path / 'nope.npz',
                                          synth['cameras']))
    with pytest.raises(DataFileError, match=r'nope\.npy: keypoint_2d_det'):
        PoseLiftH36MDataset(**h36m_kwargs(
            synth['train'], synth['cameras'], keypoint_2d_src='detection',
            keypoint_2d_det_file=str(tmp_path / 'nope.npy')))


# --------------------------------------------------- VideoPose3D / DiffPose
def test_h36m32_to_17_is_videopose3d_selection():
    removed = [4, 5, 9, 10, 11, 16, 20, 21, 22, 23, 24, 28, 29, 30, 31]
    assert list(H36M32_TO_17) == [i for i in range(32) if i not in removed]


def test_h36m32_to_17_matches_shared_skeleton(shared_data):
    import json
    path = shared_data / 'h36m_mocap' / 'skeleton_h36m32.json'
    if not path.is_file():
        pytest.skip(f'{path} is absent')
    assert list(H36M32_TO_17) == json.loads(path.read_text())['h36m17_from32']


@pytest.fixture
def vp3d(tmp_path):
    motion, cams = fx.world_motion(subjects=('S1', 'S5'), num_frames=12)
    fx.write_videopose3d_3d(tmp_path / 'data_3d_h36m.npz', motion)
    fx.write_cameras_pkl(tmp_path / 'cameras.pkl', cams)
    return tmp_path, motion, cams


def _video_frame(info):
    """'S1/S1_Walking_1.54138969/..._000003.jpg' -> (S1, Walking 1, cam, 2)."""
    subj, act, cam = (a[0] for a in parse_h36m_imgnames(
        [info['target_img_path'][0]]))
    frame = int(info['target_img_path'][0][-10:-4]) - 1
    return subj, act.replace('_', ' '), cam, frame


def test_videopose3d_gt_projection(vp3d):
    root, motion, cams = vp3d
    ds = VideoPose3DH36MDataset(ann_file=str(root / 'data_3d_h36m.npz'),
                                camera_param_file=str(root / 'cameras.pkl'),
                                test_mode=True)
    assert len(ds) == 2 * 2 * 4 * 12  # subjects x actions x cameras x frames
    seen = set()
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        subj, act, cam, t = _video_frame(info)
        seen.add((subj, act, cam))
        entry = cams[(subj, cam)]
        x_cam = fx.camera_frame(motion[subj][act][t], entry)
        np.testing.assert_allclose(info['lifting_target'][0], x_cam,
                                   atol=2e-6)
        np.testing.assert_allclose(info['keypoints'][0],
                                   vp3d_project(x_cam, entry), atol=1e-3)
        assert_same_info(info['camera_param'], ds.camera_param[(subj, cam)])
        assert {'f', 'c', 'w', 'h'} <= set(info['camera_param'])
    assert len(seen) == 16


def test_videopose3d_2d_file_and_sequences(vp3d):
    root, motion, cams = vp3d
    rng = np.random.default_rng(1)
    pos2d = {s: {a: [rng.uniform(0, 1000, (len(p) + 3, 17, 2)).astype(
        np.float32) for _ in range(4)] for a, p in acts.items()}
        for s, acts in motion.items()}  # 3 extra frames are cut off
    fx.write_videopose3d_2d(root / 'data_2d_h36m_cpn.npz', pos2d,
                            layout_name='h36m')
    ds = VideoPose3DH36MDataset(
        ann_file=str(root / 'data_3d_h36m.npz'),
        camera_param_file=str(root / 'cameras.pkl'),
        keypoint_2d_file=str(root / 'data_2d_h36m_cpn.npz'), seq_len=5,
        causal=False, subjects=['S5'], test_mode=True)
    assert len(ds) == 2 * 4 * (12 - 4)
    for i in (0, 7, len(ds) - 1):
        info = ds.get_data_info(i)
        subj, act, cam, t = _video_frame(info)
        assert subj == 'S5'
        cam_i = VIDEOPOSE3D_CAMERA_IDS.index(cam)
        np.testing.assert_array_equal(
            info['keypoints'], pos2d[subj][act][cam_i][t - 2:t + 3])
        assert info['keypoints'].shape == (5, 17, 2)
        np.testing.assert_allclose(
            info['lifting_target'][0],
            fx.camera_frame(motion[subj][act][t], cams[(subj, cam)]),
            atol=2e-6)
    # every 3rd frame, image names keep the original frame numbers
    ds = VideoPose3DH36MDataset(
        ann_file=str(root / 'data_3d_h36m.npz'),
        camera_param_file=str(root / 'cameras.pkl'),
        keypoint_2d_file=str(root / 'data_2d_h36m_cpn.npz'), frame_stride=3,
        test_mode=True)
    assert len(ds) == 2 * 2 * 4 * 4
    assert [_video_frame(ds.get_data_info(i))[3] for i in range(4)] == \
        [0, 3, 6, 9]


def test_diffpose_gmm(vp3d):
    root, motion, cams = vp3d
    gmm = {s: {a: [fx.make_gmm(fx.pinhole(
        fx.camera_frame(p, cams[(s, c)]), cams[(s, c)]['f'].ravel(),
        cams[(s, c)]['c'].ravel()), 3, seed=j) for j, c in enumerate(
            VIDEOPOSE3D_CAMERA_IDS)] for a, p in acts.items()}
        for s, acts in motion.items()}
    fx.write_diffpose_gmm_2d(root / 'data_2d_h36m_gt_gmm.npz', gmm)
    ds = VideoPose3DH36MDataset(
        ann_file=str(root / 'data_3d_h36m.npz'),
        camera_param_file=str(root / 'cameras.pkl'),
        keypoint_2d_file=str(root / 'data_2d_h36m_gt_gmm.npz'), seq_len=3,
        test_mode=True)
    for i in (0, 11, len(ds) - 1):
        info = ds.get_data_info(i)
        subj, act, cam, t = _video_frame(info)
        g = gmm[subj][act][VIDEOPOSE3D_CAMERA_IDS.index(cam)][t - 2:t + 1]
        assert info['keypoints_gmm'].shape == (3, 17, 3, 5)
        np.testing.assert_array_equal(info['keypoints_gmm'], g)
        np.testing.assert_array_equal(info['keypoints'], g[:, :, 0, 1:3])
    # weights that do not sum to one are refused
    gmm['S1']['Waiting'][2][4, 6, :, 0] = 0.2
    fx.write_diffpose_gmm_2d(root / 'bad_gmm.npz', gmm)
    with pytest.raises(DataFileError, match=r"bad_gmm\.npz: key positions_2d"
                       r"\['S1'\]\['Waiting'\]\[2\]: mixture weights .* "
                       r'\(4, 6\) sums to 0\.6'):
        VideoPose3DH36MDataset(
            ann_file=str(root / 'data_3d_h36m.npz'),
            camera_param_file=str(root / 'cameras.pkl'),
            keypoint_2d_file=str(root / 'bad_gmm.npz'))


def test_videopose3d_bad_files(vp3d):
    root, motion, cams = vp3d
    ann, cam_file = str(root / 'data_3d_h36m.npz'), str(root / 'cameras.pkl')

    def build(two_d=None, ann_file=ann, cameras=cam_file):
        return VideoPose3DH36MDataset(ann_file=ann_file,
                                      camera_param_file=cameras,
                                      keypoint_2d_file=two_d)

    ok = {s: {a: [np.zeros((len(p), 17, 2), np.float32) + 500] * 4
              for a, p in acts.items()} for s, acts in motion.items()}
    # 16-joint Stacked-Hourglass file
    sh = {s: {a: [v[:, :16] for v in cams_] for a, cams_ in acts.items()}
          for s, acts in ok.items()}
    fx.write_videopose3d_2d(root / 'sh.npz', sh, num_joints=16)
    with pytest.raises(DataFileError, match=r"sh\.npz: key metadata"
                       r"\['num_joints'\]: wrong joint count: 16"):
        build(str(root / 'sh.npz'))
    fx.write_videopose3d_2d(root / 'sh2.npz', sh)  # metadata lies
    with pytest.raises(DataFileError, match=r"sh2\.npz: key positions_2d"
                       r"\['S1'\]\['Walking 1'\]\[0\]: wrong joint count"):
        build(str(root / 'sh2.npz'))
    fx.write_videopose3d_2d(root / 'coco.npz', ok, layout_name='coco')
    with pytest.raises(DataFileError, match=r"coco\.npz: key metadata"
                       r"\['layout_name'\]: joint layout 'coco'"):
        build(str(root / 'coco.npz'))
    short = {s: {a: [v[:-1] for v in c] for a, c in acts.items()}
             for s, acts in ok.items()}
    fx.write_videopose3d_2d(root / 'short.npz', short)
    with pytest.raises(DataFileError, match=r"short\.npz: key positions_2d"
                       r"\['S1'\]\['Waiting'\]\[0\]: 11 frames but the 3D "
                       'file has 12'):
        build(str(root / 'short.npz'))
    missing = {s: dict(acts) for s, acts in ok.items()}
    missing['S5'].pop('Waiting')
    fx.write_videopose3d_2d(root / 'missing.npz', missing)
    with pytest.raises(DataFileError, match=r"missing\.npz: key positions_2d"
                       r"\['S5'\]\['Waiting'\]: missing"):
        build(str(root / 'missing.npz'))
    nan = {s: dict(acts) for s, acts in motion.items()}
    nan['S5']['Walking 1'] = nan['S5']['Walking 1'].copy()
    nan['S5']['Walking 1'][3, 8, 1] = np.nan
    fx.write_videopose3d_3d(root / 'nan_3d.npz', nan)
    with pytest.raises(DataFileError, match=r"nan_3d\.npz: key positions_3d"
                       r"\['S5'\]\['Walking 1'\]: 1 non-finite .*\(3, 8, 1\)"):
        build(ann_file=str(root / 'nan_3d.npz'))
    cams2 = dict(cams)
    cams2.pop(('S5', '58860488'))
    fx.write_cameras_pkl(root / 'cams2.pkl', cams2)
    with pytest.raises(DataFileError, match=r"cams2\.pkl: key \('S5', "
                       r"'58860488'\): no camera"):
        build(cameras=str(root / 'cams2.pkl'))
    np.savez(root / 'no_key.npz', positions=np.zeros(3))
    with pytest.raises(DataFileError, match=r"no_key\.npz: key "
                       r"'positions_3d': missing"):
        build(ann_file=str(root / 'no_key.npz'))


def _camera_tables(cams):
    """VideoPose3D-style raw tables (quaternion, mm, px) from pkl entries."""
    return {key: dict(orientation=matrix_to_quaternion(e['R']),
                      translation=e['T'].ravel() * 1000,
                      center=e['c'].ravel(), focal_length=e['f'].ravel(),
                      radial_distortion=e['k'].ravel(),
                      tangential_distortion=e['p'].ravel()[::-1],
                      res_w=e['w'], res_h=e['h'], id=key[1])
            for key, e in cams.items()}


def _check_videopose3d_cameras(cams, world):
    for key, table in _camera_tables(cams).items():
        entry = videopose3d_camera_to_pkl_entry(**table)
        for k in ('R', 'T', 'f', 'c', 'k', 'p'):
            np.testing.assert_allclose(entry[k], cams[key][k], atol=1e-9,
                                       err_msg=f'{key} {k}')
        assert (entry['w'], entry['h']) == (cams[key]['w'], cams[key]['h'])
        np.testing.assert_allclose(
            vp3d_world_to_camera(world, table['orientation'],
                                 table['translation'] / 1000),
            fx.camera_frame(world, cams[key]), atol=1e-9)


def test_videopose3d_camera_tables(vp3d):
    _, motion, cams = vp3d
    _check_videopose3d_cameras(cams, motion['S1']['Waiting'])
    np.testing.assert_allclose(quaternion_to_matrix([2.0, 0, 0, 0]),
                               np.eye(3))
    np.testing.assert_allclose(  # 90 degrees about z
        quaternion_to_matrix([np.cos(np.pi / 4), 0, 0, np.sin(np.pi / 4)]),
        [[0, -1, 0], [1, 0, 0], [0, 0, 1]], atol=1e-12)


def test_videopose3d_real_cameras(h36m_samples, tmp_path):
    with open(h36m_samples / 'cameras.pkl', 'rb') as f:
        cams = pickle.load(f)
    motion, _ = fx.world_motion(subjects=('S9', ), num_frames=6)
    _check_videopose3d_cameras(cams, motion['S9']['Waiting'])
    fx.write_videopose3d_3d(tmp_path / 'data_3d_h36m.npz', motion)
    ds = VideoPose3DH36MDataset(
        ann_file=str(tmp_path / 'data_3d_h36m.npz'),
        camera_param_file=str(h36m_samples / 'cameras.pkl'), test_mode=True)
    assert len(ds) == 2 * 4 * 6
    for i in range(0, len(ds), 5):
        info = ds.get_data_info(i)
        subj, act, cam, t = _video_frame(info)
        x_cam = fx.camera_frame(motion[subj][act][t], cams[(subj, cam)])
        np.testing.assert_allclose(info['lifting_target'][0], x_cam,
                                   atol=2e-6)
        np.testing.assert_allclose(info['keypoints'][0],
                                   vp3d_project(x_cam, cams[(subj, cam)]),
                                   atol=1e-3)


# -------------------------------------------------------------------- ZeDO
def _zedo_h36m_file(path, motion, cams, subject=9, action=2, subaction=1):
    items = []
    for (subj, cam_id), entry in sorted(cams.items()):
        world = motion[subj]['Waiting']
        x = fx.camera_frame(world, entry)
        items += fx.zedo_h36m_items(x, entry,
                                    VIDEOPOSE3D_CAMERA_IDS.index(cam_id),
                                    subject, action, subaction,
                                    np.arange(len(x)) * 5)
    fx.write_pickle(path, items)
    return items


@pytest.fixture
def zedo_h36m(tmp_path):
    motion, cams = fx.world_motion(subjects=('S9', ), actions=('Waiting', ),
                                   num_frames=10, seed=2)
    items = _zedo_h36m_file(tmp_path / 'h36m_test.pkl', motion, cams)
    return tmp_path, items, cams


def test_zedo_h36m_gt(zedo_h36m):
    root, items, cams = zedo_h36m
    ds = ZeDOPklDataset(ann_file=str(root / 'h36m_test.pkl'), layout='h36m',
                        test_mode=True)
    assert len(ds) == len(items) == 40
    for i in range(0, 40, 3):
        info = ds.get_data_info(i)
        item = next(it for it in items if it['camera_param']['name'] in
                    info['target_img_path'][0] and '%06d' %
                    (it['imageid'] + 1) in info['target_img_path'][0])
        np.testing.assert_allclose(info['lifting_target'][0],
                                   item['joint_3d_camera'] / 1000, rtol=1e-6)
        np.testing.assert_allclose(info['keypoints'][0],
                                   item['joint_3d_image'][:, :2], rtol=1e-6)
        cam, name = info['camera_param'], item['camera_param']['name']
        assert cam['f'].shape == (2, 1) and cam['c'].shape == (2, 1)
        np.testing.assert_allclose(cam['f'], cams[('S9', name)]['f'])
        np.testing.assert_allclose(cam['c'], cams[('S9', name)]['c'])
        np.testing.assert_allclose(cam['R'], cams[('S9', name)]['R'])
        np.testing.assert_allclose(cam['T'], cams[('S9', name)]['T'])
        assert (cam['w'], cam['h']) == H36M_CAMERA_SIZES[name]
        assert osp.basename(info['target_img_path'][0]).startswith(
            f'S9_Directions_1.{name}_')


def test_zedo_h36m_sequences_and_detections(zedo_h36m):
    root, items, _ = zedo_h36m
    rng = np.random.default_rng(0)
    uv = np.stack([it['joint_3d_image'][:, :2] for it in items]) + \
        rng.normal(0, 3, (len(items), 17, 2))
    conf = rng.uniform(0.2, 1, (len(items), 17))
    fx.write_zedo_sh_dt_ft(root / 'h36m_sh_dt_ft.pkl', 'test', uv, conf)
    ds = ZeDOPklDataset(ann_file=str(root / 'h36m_test.pkl'),
                        keypoint_2d_src='detection',
                        keypoint_2d_det_file=str(root / 'h36m_sh_dt_ft.pkl'),
                        seq_len=5, test_mode=True)
    assert len(ds) == 4 * (10 - 4)
    info = ds.get_data_info(0)
    assert info['keypoints'].shape == (5, 17, 2)
    ids = info['img_ids']
    np.testing.assert_allclose(info['keypoints'], uv[ids], rtol=1e-6)
    np.testing.assert_allclose(info['keypoints_visible'], conf[ids],
                               rtol=1e-6)
    assert len({osp.dirname(p) for p in info['img_paths']}) == 1
    # ZeDO's sample_interval
    ds = ZeDOPklDataset(ann_file=str(root / 'h36m_test.pkl'),
                        sample_interval=4, test_mode=True)
    assert len(ds) == 10


def test_zedo_h36m_real_frames(h36m_samples, tmp_path):
    """ZeDO format built from MMPose's 4 real frames and real cameras."""
    ann = np.load(h36m_samples / 'test_h36m_body3d.npz')
    with open(h36m_samples / 'cameras.pkl', 'rb') as f:
        cams = pickle.load(f)
    subj, _, cam = parse_h36m_imgnames(ann['imgname'])
    items = []
    for i in range(len(subj)):
        items += fx.zedo_h36m_items(
            ann['S'][i:i + 1, :, :3], cams[(subj[i], cam[i])],
            VIDEOPOSE3D_CAMERA_IDS.index(cam[i]), int(subj[i][1:]), 2 + i, 2,
            [i])
    fx.write_pickle(tmp_path / 'h36m_test.pkl', items)
    ds = ZeDOPklDataset(ann_file=str(tmp_path / 'h36m_test.pkl'),
                        test_mode=True)
    by_name = {osp.basename(ds.get_data_info(i)['target_img_path'][0]):
               ds.get_data_info(i) for i in range(len(ds))}
    for i in range(len(subj)):
        c = cams[(subj[i], cam[i])]
        s = ann['S'][i, :, :3]
        info = next(v for k, v in by_name.items() if k.startswith(subj[i] +
                                                                  '_'))
        np.testing.assert_allclose(info['lifting_target'][0], s, atol=1e-6)
        np.testing.assert_allclose(info['keypoints'][0],
                                   fx.pinhole(s, c['f'].ravel(),
                                              c['c'].ravel()), rtol=1e-5)
        # ZeDO's 2D is undistorted: within a few px of MMPose's distorted 2D
        assert np.abs(info['keypoints'][0] - ann['part'][i, :, :2]).max() < 15
        np.testing.assert_allclose(info['camera_param']['R'], c['R'],
                                   atol=1e-12)


def test_zedo_mpii3d_and_pw3d(tmp_path):
    motion, cams = fx.world_motion(subjects=('S1', ), actions=('Waiting', ),
                                   num_frames=8, seed=4)
    entry = cams[('S1', VIDEOPOSE3D_CAMERA_IDS[0])]
    x = fx.camera_frame(motion['S1']['Waiting'], entry)
    f, c = np.array([1500.0, 1501.0]), np.array([1017.0, 1043.0])
    valid = np.array([1, 0, 1, 1, 0, 1, 1, 1])
    fx.write_pickle(tmp_path / 'mpii3d_test.pkl',
                    fx.zedo_mpii3d_items(x, f, c, 2048, 2048, valid))
    ds = ZeDOPklDataset(ann_file=str(tmp_path / 'mpii3d_test.pkl'),
                        layout='mpii3d', test_mode=True)
    assert len(ds) == valid.sum()
    kept = np.flatnonzero(valid)
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        np.testing.assert_allclose(info['lifting_target'][0], x[kept[i]],
                                   atol=1e-6)
        np.testing.assert_allclose(info['keypoints'][0],
                                   fx.pinhole(x[kept[i]], f, c), rtol=1e-6)
        assert (info['camera_param']['w'], info['camera_param']['h']) == \
            (2048, 2048)
        np.testing.assert_allclose(info['camera_param']['f'].ravel(), f)
    assert len(ZeDOPklDataset(ann_file=str(tmp_path / 'mpii3d_test.pkl'),
                              layout='mpii3d', valid_only=False)) == 8
    # 3DPW: file joint order -> H36M, per-frame intrinsics
    f2 = np.stack([np.full(8, 1961.0), np.full(8, 1969.0)], 1)
    f2[4:] += 10
    c2 = np.tile([540.0, 960.0], (8, 1))
    fx.write_zedo_pw3d_npz(tmp_path / 'pw3d_test.npz', x, f2, c2, 1080, 1920,
                           [f'imageFiles/seq_00/image_{i:05d}.jpg'
                            for i in range(8)])
    ds = ZeDOPklDataset(ann_file=str(tmp_path / 'pw3d_test.npz'),
                        layout='pw3d', test_mode=True)
    assert len(ds) == 8
    for i in range(8):
        info = ds.get_data_info(i)
        np.testing.assert_allclose(info['lifting_target'][0], x[i],
                                   atol=1e-6)
        np.testing.assert_allclose(info['keypoints'][0],
                                   fx.pinhole(x[i], f2[i], c2[i]), rtol=1e-5)
        np.testing.assert_allclose(info['camera_param']['f'].ravel(), f2[i])
        assert (info['camera_param']['w'], info['camera_param']['h']) == \
            (1080, 1920)
    raw = np.load(tmp_path / 'pw3d_test.npz', allow_pickle=True)
    # file joint 14 is the pelvis: zero in the root-relative array
    np.testing.assert_allclose(raw['keypoints3d17_relative'][:, 14, :3], 0)
    with pytest.raises(ValueError, match='seq_len must be 1'):
        ZeDOPklDataset(ann_file=str(tmp_path / 'pw3d_test.npz'),
                       layout='pw3d', seq_len=3)


def test_zedo_bad_files(zedo_h36m):
    root, items, _ = zedo_h36m
    bad = [dict(it) for it in items]
    bad[3].pop('joint_3d_camera')
    fx.write_pickle(root / 'bad1.pkl', bad)
    with pytest.raises(DataFileError, match=r"bad1\.pkl: key \[3\]"
                       r"\['joint_3d_camera'\]: missing from item 3"):
        ZeDOPklDataset(ann_file=str(root / 'bad1.pkl'))
    bad = [dict(it, joint_3d_camera=it['joint_3d_camera'][:16])
           for it in items]
    fx.write_pickle(root / 'bad2.pkl', bad)
    with pytest.raises(DataFileError, match=r"bad2\.pkl: key \[\*\]"
                       r"\['joint_3d_camera'\]: wrong joint count"):
        ZeDOPklDataset(ann_file=str(root / 'bad2.pkl'))
    bad = [dict(it) for it in items]
    bad[5]['joint_3d_image'] = bad[5]['joint_3d_image'].copy()
    bad[5]['joint_3d_image'][2, 0] = np.nan
    fx.write_pickle(root / 'bad3.pkl', bad)
    with pytest.raises(DataFileError, match=r"bad3\.pkl: key \[\*\]"
                       r"\['joint_3d_image'\]: 1 non-finite .*\(5, 2, 0\)"):
        ZeDOPklDataset(ann_file=str(root / 'bad3.pkl'))
    uv = np.zeros((len(items) - 1, 17, 2))
    fx.write_zedo_sh_dt_ft(root / 'det.pkl', 'test', uv, uv[..., 0] + 1)
    with pytest.raises(DataFileError, match=r"det\.pkl: key test"
                       r"\['joint3d_image'\]: 39 detections and 39 "
                       r'confidences but .*h36m_test\.pkl has 40 frames'):
        ZeDOPklDataset(ann_file=str(root / 'h36m_test.pkl'),
                       keypoint_2d_src='detection',
                       keypoint_2d_det_file=str(root / 'det.pkl'))
    np.savez(root / 'pw3d_bad.npz', keypoints3d17_relative=np.zeros(
        (2, 17, 3)))
    with pytest.raises(DataFileError, match=r"pw3d_bad\.npz: key "
                       r"'root_cam': missing"):
        ZeDOPklDataset(ann_file=str(root / 'pw3d_bad.npz'), layout='pw3d')


# ----------------------------------------------------------- MPI-INF-3DHP
@pytest.fixture(scope='module')
def samples_3dhp(shared_data):
    path = shared_data / 'mmpose_samples' / 'mpi_inf_3dhp'
    if not (path / 'cameras_train.pkl').is_file():
        pytest.skip(f'{path}/cameras_train.pkl is absent')
    return path


@pytest.mark.parametrize('split', ['train', 'test'])
def test_3dhp_real_samples(samples_3dhp, split):
    d = samples_3dhp
    ds = DATASETS.build(dict(
        type='PoseLiftMpiInf3dhpDataset',
        ann_file=str(d / f'test_3dhp_{split}.npz'),
        camera_param_file=str(d / f'cameras_{split}.pkl'), test_mode=True))
    ann = np.load(d / f'test_3dhp_{split}.npz')
    with open(d / f'cameras_{split}.pkl', 'rb') as f:
        cams = pickle.load(f)
    assert ds.metainfo['num_keypoints'] == 17
    assert ds.metainfo['keypoint_id2name'][14] == 'root'
    assert ds.metainfo['keypoint_id2name'][0] == 'head_top'
    for i in range(len(ann['imgname'])):
        info = ds.get_data_info(i)
        np.testing.assert_allclose(info['lifting_target'][0],
                                   ann['S'][i, :, :3], rtol=1e-6)
        np.testing.assert_allclose(info['keypoints'][0], ann['part'][i, :, :2],
                                   rtol=1e-6)
        np.testing.assert_array_equal(info['keypoints_visible'][0],
                                      ann['part'][i, :, 2])
        key = ann['imgname'][i].rsplit('_', 1)[0]
        cam = info['camera_param']
        np.testing.assert_array_equal(cam['f'], cams[key]['f'])
        assert (cam['w'], cam['h']) == (2048, 2048)  # train: h 204 repaired
        # real intrinsics reproduce the real 2D within 2 px (pinhole)
        s = ann['S'][i, :, :3]
        uv = fx.pinhole(s, cam['f'].ravel(), cam['c'].ravel())
        assert np.abs(uv - ann['part'][i, :, :2]).max() < 2.0


def test_3dhp_sequences_and_missing_camera(samples_3dhp, tmp_path):
    d = samples_3dhp
    ann = np.load(d / 'test_3dhp_train.npz')
    with open(d / 'cameras_train.pkl', 'rb') as f:
        cams = pickle.load(f)
    names, xs, uvs = [], [], []
    for cam_key in ('S1_Seq1_Cam0', 'S1_Seq1_Cam1'):
        cam = cams[cam_key]
        x = ann['S'][0, :, :3] + np.linspace(0, 0.2, 20)[:, None, None] * \
            np.array([1.0, 0, 0])
        names += [f'{cam_key}_{i + 1:06d}.jpg' for i in range(20)]
        xs.append(x)
        uvs.append(fx.pinhole(x, cam['f'].ravel(), cam['c'].ravel()))
    x, uv = np.concatenate(xs), np.concatenate(uvs)
    fx.write_mmpose_3dhp(tmp_path / 'mpi_inf_3dhp_train.npz', names, x, uv)
    ds = PoseLiftMpiInf3dhpDataset(
        ann_file=str(tmp_path / 'mpi_inf_3dhp_train.npz'),
        camera_param_file=str(d / 'cameras_train.pkl'), seq_len=9,
        test_mode=True)
    assert len(ds) == 2 * (20 - 9 + 1)
    info = ds.get_data_info(len(ds) - 1)
    assert info['keypoints'].shape == (9, 17, 2)
    assert info['img_ids'] == list(range(31, 40))
    np.testing.assert_allclose(info['lifting_target'][0], x[39], rtol=1e-6)
    np.testing.assert_allclose(info['camera_param']['c'],
                               cams['S1_Seq1_Cam1']['c'])
    fx.write_mmpose_3dhp(tmp_path / 'cam3.npz',
                         [n.replace('Cam1', 'Cam3') for n in names], x, uv)
    with pytest.raises(DataFileError, match=r"cameras_train\.pkl: key "
                       r"'S1_Seq1_Cam3': no camera"):
        PoseLiftMpiInf3dhpDataset(
            ann_file=str(tmp_path / 'cam3.npz'),
            camera_param_file=str(d / 'cameras_train.pkl'))


# ------------------------------------------------ MMPose pipelines accept it
def test_samples_go_through_mmpose_codec(synth, zedo_h36m, vp3d):
    codec = dict(type='VideoPoseLifting', num_keypoints=17, zero_center=True,
                 root_index=0, remove_root=False, normalize_camera=True)
    pipeline = [dict(type='GenerateTarget', encoder=codec),
                dict(type='PackPoseInputs',
                     meta_keys=('id', 'category_id', 'target_img_path',
                                'flip_indices', 'target_root',
                                'camera_param'))]
    root, _, _ = zedo_h36m
    vp_root = vp3d[0]
    with DefaultScope.overwrite_default_scope('mmpose'):
        _run_codec(pipeline, [
            PoseLiftH36MDataset(pipeline=pipeline, seq_len=3, **h36m_kwargs(
                synth['test'], synth['cameras'])),
            ZeDOPklDataset(ann_file=str(root / 'h36m_test.pkl'),
                           pipeline=pipeline, seq_len=3),
            VideoPose3DH36MDataset(
                ann_file=str(vp_root / 'data_3d_h36m.npz'),
                camera_param_file=str(vp_root / 'cameras.pkl'),
                pipeline=pipeline, seq_len=3),
        ])


def _run_codec(pipeline, datasets):
    for ds in datasets:
        out = ds[0]
        assert tuple(out['inputs'].shape) == (17 * 2, 3)  # (K * 2, T)
        sample = out['data_samples']
        assert sample.gt_instance_labels.lifting_target_label.shape[-2:] == \
            (17, 3)
        assert sample.metainfo['camera_param']['f'].shape == (2, 1)
