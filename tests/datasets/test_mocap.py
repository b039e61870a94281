"""Motion capture -> Human3.6M-format files: FK, BVH, placement, writers."""
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from poselift_mm.datasets.mocap import (
    CMU_FEET, Y_UP_TO_Z_UP, DetectionNoise, MocapSequence,
    bvh_forward_kinematics, bvh_sequence, capture_centre, check_expmap,
    convert_to_h36m, estimate_up, euler_to_matrix, expmap_root_trajectory,
    expmap_sequences, expmap_to_h36m17, expmap_to_joints32, load_expmap_npz,
    load_skeleton32, parse_expmap_key, place_sequence, read_bvh, resample,
    rotation_between, select_expmap_keys, subject_cameras)
from poselift_mm.geometry import (axis_angle_to_matrix, camera_from_pkl,
                                  camera_to_world, project_to_pixels)

REPO = Path(__file__).resolve().parents[2]
CAMS = ('54138969', '60457274')


@pytest.fixture(scope='module')
def mocap(shared_data):
    root = shared_data / 'h36m_mocap'
    if not (root / 'h36m_expmap_50hz_train.npz').is_file():
        pytest.skip(f'{root} has no h36m_expmap_50hz_train.npz')
    return root


@pytest.fixture(scope='module')
def skeleton(mocap):
    return load_skeleton32(str(mocap / 'skeleton_h36m32.json'))


@pytest.fixture(scope='module')
def bvh_files(shared_data):
    files = sorted((shared_data / 'cmu_bvh').glob('*.bvh'))
    if len(files) < 4:
        pytest.skip(f"{shared_data / 'cmu_bvh'} has fewer than 4 BVH files")
    return files


def chirality(joints, forward):
    """sign det[right - left hip, thorax - pelvis, forward] per frame."""
    return np.sign(np.linalg.det(np.stack(
        [joints[:, 1] - joints[:, 4], joints[:, 8] - joints[:, 0], forward],
        axis=1)))


# ---------------------------------------------------------------- expmap ---
def test_fk_matches_reference_on_every_sequence(mocap, skeleton):
    """All 134 sequences, every 5th frame (the reference's 10 Hz)."""
    data = load_expmap_npz(str(mocap / 'h36m_expmap_50hz_train.npz'))
    with np.load(mocap / 'h36m_pos17_rootrel_mm_10hz_train.npz') as ref:
        assert sorted(ref.files) == sorted(data)
        worst = {}
        for key, expmap in data.items():
            ours = expmap_to_h36m17(expmap[::5], skeleton, zero_root=True)
            assert ours.shape == ref[key].shape
            worst[key] = np.linalg.norm(ours - ref[key], axis=-1).max()
    assert len(worst) == 134
    assert max(worst.values()) < 1.0, max(worst.items(), key=lambda kv: kv[1])


def _toy_skeleton():
    parents = (-1, ) + tuple(range(31))  # a chain
    offsets = np.zeros((32, 3))
    offsets[1] = [-100.0, 0, 0]  # like the right hip
    offsets[2] = [0, -400.0, 0]
    return dict(parents=parents, offsets_mm=offsets,
                h36m17_from32=np.arange(17))


def test_fk_row_vector_convention_by_hand():
    """Martinez: xyz = offset . expmap2rotmat(r) (row vectors)."""
    sk = _toy_skeleton()
    e = np.zeros((2, 99))
    e[0, 3:6] = [0, 0, np.pi / 2]  # root rotation of frame 0
    e[1, 0:3] = [10.0, 0, 0]  # root translation delta of frame 1
    e[0, 6:9] = [np.pi / 2, 0, 0]  # joint 1 about x
    j = expmap_to_joints32(e, sk)
    # Rodrigues R = [[0,-1,0],[1,0,0],[0,0,1]]; (-100,0,0) . R = (0,100,0)
    np.testing.assert_allclose(j[0, 1], [0, 100, 0], atol=1e-9)
    # joint 2: (0,-400,0) . Rx . Rz, Rx = [[1,0,0],[0,0,-1],[0,1,0]]:
    # (0,-400,0) . Rx = (0,0,400); (0,0,400) . Rz = (0,0,400)
    np.testing.assert_allclose(j[0, 2], [0, 100, 400], atol=1e-9)
    # revert_coordinate_space: T_1 = T_0 + R_0^T d_1 = (0, -10, 0)
    rot, pos = expmap_root_trajectory(e)
    np.testing.assert_allclose(pos, [[0, 0, 0], [0, -10, 0]], atol=1e-9)
    np.testing.assert_allclose(rot[1], rot[0], atol=1e-12)
    np.testing.assert_allclose(j[1, 0], [0, -10, 0], atol=1e-9)
    # zero_root drops both root columns
    j0 = expmap_to_joints32(e, sk, zero_root=True)
    np.testing.assert_allclose(j0[:, 1], [[-100, 0, 0]] * 2, atol=1e-9)


def test_y_up_to_z_up_is_a_rotation():
    np.testing.assert_allclose(Y_UP_TO_Z_UP @ Y_UP_TO_Z_UP.T, np.eye(3))
    assert np.linalg.det(Y_UP_TO_Z_UP) == pytest.approx(1.0)
    np.testing.assert_allclose(Y_UP_TO_Z_UP @ [0, 1, 0], [0, 0, 1])


def test_action_names_follow_mmpose():
    assert parse_expmap_key('S1/walkingdog_2') == ('S1', 'WalkDog_2')
    assert parse_expmap_key('S11/takingphoto_1') == ('S11', 'Photo_1')
    with pytest.raises(ValueError, match="key 'S1/dancing_1'"):
        parse_expmap_key('S1/dancing_1')


def test_walking_is_level_forward_and_not_mirrored(mocap, h36m_samples):
    """Root translation convention: the actor walks the way the toes point;
    feet stay on a level floor; left/right as in the real H36M poses."""
    npz = str(mocap / 'h36m_expmap_50hz_train.npz')
    seq = next(expmap_sequences(npz, str(mocap / 'skeleton_h36m32.json'),
                                ['S5/walking_1']))
    step = seq.joints[25:, 0, :2] - seq.joints[:-25, 0, :2]  # per 0.5 s
    toes = seq.feet[:, [1, 4]] - seq.feet[:, [0, 3]]  # toe - ankle
    fwd = toes.mean(1)[:-25, :2]
    moving = np.linalg.norm(step, axis=-1) > 0.3
    cos = (step * fwd).sum(-1)[moving] / np.linalg.norm(
        step[moving], axis=-1) / np.linalg.norm(fwd[moving], axis=-1)
    assert moving.mean() > 0.5 and np.median(cos) > 0.8
    # real H36M chirality (forward from the nose) in the camera frame
    real = np.load(h36m_samples / 'test_h36m_body3d.npz')['S'][..., :3]
    nose_fwd = real[:, 9] - (real[:, 8] + real[:, 10]) / 2
    assert (chirality(real, nose_fwd) == -1).all()
    assert (chirality(seq.joints, toes.mean(1)) == -1).mean() > 0.99


def test_duplicates_are_dropped(mocap):
    npz = str(mocap / 'h36m_expmap_50hz_train.npz')
    keys = select_expmap_keys(npz, ['S5', 'S6', 'S8'], ['posing', 'smoking'])
    assert keys == ['S5/posing_1', 'S5/posing_2', 'S5/smoking_1',
                    'S5/smoking_2', 'S6/smoking_1', 'S6/smoking_2',
                    'S8/posing_1', 'S8/posing_2']
    assert len(select_expmap_keys(npz, drop_duplicates=False)) == 134
    assert len(select_expmap_keys(npz)) == 130


# ------------------------------------------------------------- placement ---
def _bvh_seq(bvh_files, name='131_03'):
    return bvh_sequence(str(next(f for f in bvh_files if f.stem == name)))


@pytest.mark.parametrize('tilt_deg', [0.0, 6.0, 20.0])
@pytest.mark.parametrize('axis_rad', [0.7, 2.0])
def test_estimate_up_recovers_a_known_tilt(bvh_files, tilt_deg, axis_rad):
    """CMU BVH is captured level: tilt it and recover the vertical (01_01
    has standing frames; its feet move mostly along one line)."""
    seq = _bvh_seq(bvh_files, '01_01')
    axis = np.array([np.cos(axis_rad), np.sin(axis_rad), 0.0])
    rot = axis_angle_to_matrix(np.deg2rad(tilt_deg) * axis)
    up, info = estimate_up(seq.joints @ rot.T, seq.feet @ rot.T)
    true_up = rot @ [0, 0, 1.0]
    err = np.degrees(np.arccos(np.clip(up @ true_up, -1, 1)))
    assert info['body_prior'] and err < 1.5, info
    # without the standing prior the floor cannot fix the tilt across the
    # line of travel: the test can fail
    up, _ = estimate_up(seq.joints @ rot.T, seq.feet @ rot.T,
                        body_slope_sigma=1e3)
    if tilt_deg == 20.0:
        assert np.degrees(np.arccos(np.clip(up @ true_up, -1, 1))) > 1.5


def test_placement_floor_and_view(mocap, h36m_samples):
    """S6 sits on the floor (an elbow is the lowest joint): nothing goes
    below z = 0; the walk stays inside all four real images; the standing
    pelvis is at the real H36M height."""
    with open(h36m_samples / 'cameras.pkl', 'rb') as f:
        cams_all = pickle.load(f)
    seqs = expmap_sequences(str(mocap / 'h36m_expmap_50hz_train.npz'),
                            str(mocap / 'skeleton_h36m32.json'),
                            ['S6/sittingdown_1', 'S6/walking_1'])
    for seq in seqs:
        cams = subject_cameras(cams_all, 'cameras.pkl', 'S6', (
            '54138969', '55011271', '58860488', '60457274'))
        world, info = place_sequence(seq, cams, np.random.default_rng(0))
        # the 17 joints (no toes) are on or above the floor, an ankle or
        # the elbow close to it
        assert -1e-9 < world[..., 2].min() < 0.1
        assert info['probe_visible_frac'] == 1.0 and info['level'][
            'body_prior']
        if seq.action == 'Walking_1':
            assert 0.85 < np.median(world[:, 0, 2]) < 1.0
            assert np.percentile(seq.feet[..., 2].min(1), 90) - \
                seq.feet[..., 2].min() > 0.1  # tilted before levelling
            assert 2.5 < np.ptp(world[..., :2].reshape(-1, 2), 0).max() < 5


def test_rotation_between():
    a = np.array([0.3, -0.2, 0.9])
    a /= np.linalg.norm(a)
    z = np.array([0, 0, 1.0])
    np.testing.assert_allclose(rotation_between(a, z) @ a, z, atol=1e-12)
    np.testing.assert_allclose(rotation_between(z, z), np.eye(3))
    np.testing.assert_allclose(rotation_between(-z, z) @ -z, z, atol=1e-12)


def test_real_capture_area_and_floor(h36m_samples):
    """Real H36M: ankles 3-11 cm above z = 0, pelvis ~0.9 m, near the centre
    of the area all four cameras see."""
    with open(h36m_samples / 'cameras.pkl', 'rb') as f:
        cams_all = pickle.load(f)
    ann = np.load(h36m_samples / 'test_h36m_body3d.npz')
    for name, s in zip(ann['imgname'], ann['S'][..., :3]):
        subject, rest = name.split('/')[-1].split('_', 1)
        cam = camera_from_pkl(cams_all, subject, rest.split('.')[1][:8])
        world = camera_to_world(s, cam['R'], cam['T'])
        assert 0.0 < world[[3, 6], 2].min() < 0.12
        if 'Sitting' not in name:
            assert 0.85 < world[0, 2] < 1.0
        centre, area = capture_centre(
            subject_cameras(cams_all, 'cameras.pkl', subject, ('54138969',
                            '55011271', '58860488', '60457274')))
        assert np.linalg.norm(world[0, :2] - centre) < 1.5
        assert 10 < area < 20 and np.linalg.norm(centre) < 0.6


def test_resample_by_hand():
    x = np.arange(13, dtype=float)[:, None] * [1.0, 2.0]  # 120 Hz ramp
    y, src = resample(x, 120, 50)  # 12 frames = 0.1 s -> 5 + 1 frames
    np.testing.assert_allclose(src, [0, 2.4, 4.8, 7.2, 9.6, 12.0])
    np.testing.assert_allclose(y[:, 1], 2 * src)
    y, src = resample(x[:11], 50, 10)
    np.testing.assert_array_equal(src, [0, 5, 10])
    np.testing.assert_array_equal(y, x[[0, 5, 10]])


def test_noise_model_statistics():
    uv = np.full((20000, 17, 2), 500.0)
    noise = DetectionNoise(jitter_px=3.0, outlier_prob=0.05, outlier_px=50,
                           drop_prob=0.1, drop_score=0.02)
    det = noise.apply(uv, np.random.default_rng(0))
    err = np.linalg.norm(det[..., :2] - uv, axis=-1)
    assert np.median(err) == pytest.approx(3.0 * np.sqrt(2 * np.log(2)),
                                           rel=0.05)
    assert (err > 30).mean() == pytest.approx(0.05 * 0.9, abs=0.01)
    assert (det[..., 2] == 0.02).mean() == pytest.approx(0.1, abs=0.01)
    kept = det[..., 2] != 0.02
    assert np.corrcoef(err[kept], det[..., 2][kept])[0, 1] < -0.5
    again = noise.apply(uv, np.random.default_rng(0))
    np.testing.assert_array_equal(det, again)
    clean = DetectionNoise(0, 0, 0, 0).apply(uv[:2], np.random.default_rng())
    np.testing.assert_array_equal(clean[..., :2], uv[:2])
    with pytest.raises(ValueError, match='outlier_prob'):
        DetectionNoise(outlier_prob=2.0)


# ------------------------------------------------------------------- BVH ---
TOY_BVH = textwrap.dedent("""\
    HIERARCHY
    ROOT Hips
    {
    \tOFFSET 0 0 0
    \tCHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation
    \tJOINT Spine
    \t{
    \t\tOFFSET 0 0 1
    \t\tCHANNELS 3 Zrotation Xrotation Yrotation
    \t\tEnd Site
    \t\t{
    \t\t\tOFFSET 0 2 0
    \t\t}
    \t}
    }
    MOTION
    Frames: 2
    Frame Time: 0.0083333
    1 2 3 90 90 0 0 0 0
    0 0 0 0 0 0 0 0 90
    """).replace('\n', '\r\n')


def test_bvh_parser_and_rotation_order_by_hand(tmp_path):
    path = tmp_path / 'toy.bvh'
    path.write_text(TOY_BVH)
    bvh = read_bvh(str(path))
    assert bvh.names == ['Hips', 'Spine', 'Spine_End']
    assert bvh.parents == [-1, 0, 1] and bvh.fps == 120.0
    pos = bvh_forward_kinematics(bvh)
    # frame 0: R = Rz(90) Rx(90): (0,0,1) -Rx-> (0,-1,0) -Rz-> (1,0,0)
    np.testing.assert_allclose(pos[0, 1], [2, 2, 3], atol=1e-12)
    # (0,2,0) -Rx-> (0,0,2) -Rz-> (0,0,2)
    np.testing.assert_allclose(pos[0, 2], [2, 2, 5], atol=1e-12)
    # frame 1: Spine turns about y: (0,2,0) is unchanged
    np.testing.assert_allclose(pos[1], [[0, 0, 0], [0, 0, 1], [0, 2, 1]],
                               atol=1e-12)
    np.testing.assert_allclose(
        euler_to_matrix(np.array([90.0, 90.0]), 'ZX'),
        axis_angle_to_matrix(np.array([0, 0, np.pi / 2]))
        @ axis_angle_to_matrix(np.array([np.pi / 2, 0, 0])), atol=1e-12)


@pytest.mark.parametrize('bad, match', [
    ('Frames: 2', 'MOTION: 9 values for Frames: 2'),
    ('Xposition Y', 'unknown channels'),
    ('1 2 3 90', 'NaN'),
])
def test_bvh_errors_name_the_file(tmp_path, bad, match):
    text = TOY_BVH.replace('\r\n', '\n')
    text = {'Frames: 2': text.replace('0 0 0 0 0 0 0 0 90\n', ''),
            'Xposition Y': text.replace('Xposition Y', 'Xpos Y', 1),
            '1 2 3 90': text.replace('1 2 3 90', '1 2 nan 90')}[bad]
    path = tmp_path / 'bad.bvh'
    path.write_text(text)
    with pytest.raises(ValueError, match=match) as err:
        read_bvh(str(path))
    assert str(path) in str(err.value)


def test_all_shared_bvh_files_are_plausible(bvh_files):
    for path in bvh_files:
        bvh = read_bvh(str(path))
        assert bvh.fps == 120.0 and len(bvh.motion) > 900
        seq = bvh_sequence(str(path))
        assert seq.info['unit_m'] == pytest.approx(0.0254 / 0.45)
        j = seq.joints
        thigh = np.linalg.norm(j[:, 1] - j[:, 2], axis=-1)
        assert 0.3 < thigh.mean() < 0.6 and thigh.std() < 1e-9
        # z up: head above pelvis above ankles; feet on a floor near z = 0
        assert ((j[:, 10, 2] > j[:, 0, 2]) & (j[:, 0, 2] > j[:, 3, 2])).mean(
        ) > 0.95
        lowest = seq.feet[..., 2].min(1)
        assert abs(np.median(lowest)) < 0.1 and np.ptp(
            np.percentile(lowest, [10, 90])) < 0.15
        # stature in the rest pose (all angles 0): CMU Head End Site - toes
        bvh.motion = np.zeros_like(bvh.motion[:1])
        rest = bvh_forward_kinematics(bvh) * seq.info['unit_m']
        height = rest[0, bvh.names.index('Head_End'), 1] - rest[0, :, 1].min()
        assert 1.3 < height < 2.0, (path.name, height)
        # not mirrored: toes point forward with the H36M handedness
        names = [n for n in bvh.names if n in CMU_FEET]
        toe = [names.index(n) for n in names if n.endswith(('Toe', 'ToeBase'))]
        ank = [names.index(n) for n in names if n.endswith(('Foot', 'Ankle'))]
        fwd = (seq.feet[:, toe] - seq.feet[:, ank]).sum(1)
        assert (chirality(j, fwd) == -1).mean() > 0.95


def test_bvh_wrong_rotation_order_breaks_the_floor(bvh_files):
    """The floor test above can fail: swap each joint's rotation axes."""
    bvh = read_bvh(str(next(f for f in bvh_files if f.stem == '131_02')))
    feet = [i for i, n in enumerate(bvh.names) if n in CMU_FEET]

    def floor_spread(b):
        low = bvh_forward_kinematics(b)[:, feet, 1].min(1) * 0.0254 / 0.45
        return np.ptp(np.percentile(low, [10, 90]))

    good = floor_spread(bvh)
    bvh.channels = [tuple(c for c in ch if 'pos' in c) + tuple(
        reversed([c for c in ch if 'rot' in c])) for ch in bvh.channels]
    assert good < 0.05 < floor_spread(bvh)


# ------------------------------------------------------------ conversion ---
@pytest.fixture(scope='module')
def converted(mocap, h36m_samples, tmp_path_factory):
    out = tmp_path_factory.mktemp('mocap_h36m')
    npz = str(mocap / 'h36m_expmap_50hz_train.npz')
    seqs = expmap_sequences(npz, str(mocap / 'skeleton_h36m32.json'),
                            ['S1/walking_1', 'S8/directions_1'])
    result = convert_to_h36m(seqs, str(out), str(h36m_samples /
                                                 'cameras.pkl'),
                             splits=dict(train=['S1'], test=['S8']),
                             camera_ids=CAMS, max_frames=100, seed=3,
                             progress=False)
    return out, result


def test_conversion_layout_and_reprojection(converted, h36m_samples):
    out, result = converted
    assert result['frames'] == {'train': 200, 'test': 200}
    assert all(s['visible_frac'] == 1.0 for s in result['sequences'])
    with open(result['paths']['cameras'], 'rb') as f:
        written = pickle.load(f)
    with open(h36m_samples / 'cameras.pkl', 'rb') as f:
        real = pickle.load(f)
    assert sorted(written) == sorted((s, c) for s in ('S1', 'S8')
                                     for c in CAMS)
    for key, cam in written.items():  # the real cameras, same R convention
        for k in ('R', 'T', 'f', 'c', 'k', 'p'):
            np.testing.assert_array_equal(cam[k], real[key][k])
    ann = np.load(result['paths']['test'])
    assert set(ann.files) == {'imgname', 'center', 'scale', 'part', 'S'}
    assert ann['imgname'][0] == ('S8/S8_Directions_1.54138969/'
                                 'S8_Directions_1.54138969_000001.jpg')
    err, floor = [], []
    for name, part, s in zip(ann['imgname'], ann['part'], ann['S']):
        subject, rest = name.split('/')[-1].split('_', 1)
        cam = camera_from_pkl(written, subject, rest.split('.')[1][:8])
        uv = project_to_pixels(s[:, :3].astype(np.float64), cam['f'],
                               cam['c'], cam['k'], cam['p'])
        err.append(np.abs(uv - part[:, :2]).max())
        floor.append(camera_to_world(s[:, :3].astype(np.float64), cam['R'],
                                     cam['T'])[:, 2])
    assert max(err) < 0.5
    floor = np.array(floor)
    assert floor.min() > -1e-3  # ankles/joints never below the floor
    assert 0.85 < np.median(floor[:, 0]) < 1.0  # pelvis height, as real
    assert 0.0 < np.median(floor[:, [3, 6]].min(1)) < 0.12  # ankles
    inside = (ann['part'][..., :2] > 0) & (ann['part'][..., :2] < 1000)
    assert inside.all() and (ann['S'][..., 2] > 1).all()
    det = np.load(result['paths']['test_detection'])
    assert det.shape == (200, 17, 3) and det.dtype == np.float32
    assert 0 < det[..., 2].min() and det[..., 2].max() <= 1
    assert 1 < np.median(np.abs(det[..., :2] - ann['part'][..., :2])) < 4


@pytest.mark.parametrize('seq_len', [1, 27])
@pytest.mark.parametrize('cls_name', ['Human36mDataset',
                                      'PoseLiftH36MDataset'])
def test_mmpose_loads_the_conversion(converted, seq_len, cls_name):
    """MMPose's own dataset class and ours (which checks the files)."""
    import poselift_mm  # noqa: F401  (registers PoseLiftH36MDataset)
    from mmpose.registry import DATASETS
    Human36mDataset = DATASETS.get(cls_name)
    out, _ = converted
    common = dict(data_root=str(out), seq_len=seq_len, causal=False,
                  pad_video_seq=True,
                  camera_param_file='annotation_body3d/cameras.pkl')
    ds = Human36mDataset(ann_file='annotation_body3d/fps50/h36m_train.npz',
                         **common)
    assert len(ds) == 200
    info = ds.get_data_info(150)
    assert info['keypoints'].shape[-3:] == (seq_len, 17, 2)
    assert info['lifting_target'].shape[-2:] == (17, 3)
    assert info['camera_param']['w'] == 1000
    det = Human36mDataset(
        ann_file='annotation_body3d/fps50/h36m_test.npz',
        keypoint_2d_src='detection',
        keypoint_2d_det_file='joint_2d_det_files/fps50/h36m_test_noisy.npy',
        **common)
    info = det.get_data_info(10)
    assert info['keypoints'].shape[-3:] == (seq_len, 17, 2)
    assert info['keypoints_visible'].shape[-2:] == (seq_len, 17)
    # MMPose's metric groups by the action before '_': 'Directions'
    subj, action, cam = det._parse_h36m_imgname(info['img_paths'][0])
    assert (subj, action, cam) == ('S8', 'Directions_1', '54138969')


def test_bvh_converts_and_loads(bvh_files, h36m_samples, tmp_path):
    from mmpose.datasets import Human36mDataset
    seq = _bvh_seq(bvh_files, '131_02')
    result = convert_to_h36m([seq], str(tmp_path),
                             str(h36m_samples / 'cameras.pkl'),
                             camera_ids=CAMS, camera_subject='S5', fps=10,
                             noise=None, progress=False)
    n_out = len(resample(seq.joints, 120, 10)[0])
    assert result['frames'] == {'train': 2 * n_out}
    assert 'train_detection' not in result['paths']
    ds = Human36mDataset(ann_file='annotation_body3d/fps10/h36m_train.npz',
                         data_root=str(tmp_path), seq_len=1,
                         camera_param_file='annotation_body3d/cameras.pkl')
    assert len(ds) == 2 * n_out
    ann = np.load(result['paths']['train'])
    assert ann['imgname'][1].endswith('CMU131_Trial_02.54138969_000006.jpg')
    with open(result['paths']['cameras'], 'rb') as f:
        cams = pickle.load(f)
    with open(h36m_samples / 'cameras.pkl', 'rb') as f:
        real = pickle.load(f)
    np.testing.assert_array_equal(cams[('CMU131', CAMS[0])]['R'],
                                  real[('S5', CAMS[0])]['R'])


# ------------------------------------------------------------- bad input ---
def test_bad_expmap_inputs_name_file_and_key(mocap, tmp_path):
    npz = str(mocap / 'h36m_expmap_50hz_train.npz')
    with pytest.raises(ValueError, match=r"missing key.*'S1/flying_1'") as e:
        load_expmap_npz(npz, ['S1/flying_1'])
    assert npz in str(e.value)
    with pytest.raises(ValueError, match=r"subject.*\['S9'\]") as e:
        select_expmap_keys(npz, ['S9'])
    assert npz in str(e.value)
    bad = tmp_path / 'bad.npz'
    np.savez(bad, **{'S1/walking_1': np.zeros((10, 98), np.float32)})
    with pytest.raises(ValueError,
                       match=r"bad.npz: key 'S1/walking_1': expected shape "
                       r'\(T, 99\).*\(10, 98\)'):
        load_expmap_npz(str(bad))
    nan = np.zeros((10, 99))
    nan[3, 40] = np.nan
    np.savez(bad, **{'S1/walking_1': nan})
    with pytest.raises(ValueError, match=r"bad.npz: key 'S1/walking_1': "
                       r'contains 1 NaN'):
        list(expmap_sequences(str(bad),
                              str(mocap / 'skeleton_h36m32.json')))
    with pytest.raises(ValueError, match='not a readable .npz archive'):
        load_expmap_npz(str(mocap / 'skeleton_h36m32.json'))
    with pytest.raises(ValueError, match='expected shape'):
        check_expmap(np.zeros(99), 'x')


def test_bad_skeleton_names_file_and_key(tmp_path):
    path = tmp_path / 'sk.json'
    path.write_text('{"parents32": [-1, 0], "offsets32_mm": [[0,0,0]]}')
    with pytest.raises(ValueError, match=r"sk.json: missing key "
                       r"'h36m17_from32'"):
        load_skeleton32(str(path))
    path.write_text('{"parents32": [-1, 0], "offsets32_mm": [[0,0,0]], '
                    '"h36m17_from32": [0]}')
    with pytest.raises(ValueError, match=r"'offsets32_mm': expected shape"):
        load_skeleton32(str(path))


def test_unknown_camera_subject_names_file_and_key(h36m_samples, tmp_path):
    pkl = str(h36m_samples / 'cameras.pkl')
    seq = MocapSequence('S1', 'Walking_1', 50.0, np.zeros((5, 17, 3)),
                        np.zeros((5, 6, 3)), 'toy')
    with pytest.raises(ValueError, match=r"cameras.pkl: key \('S99', "
                       r"'54138969'\)") as e:
        convert_to_h36m([seq], str(tmp_path), pkl, camera_subject='S99',
                        progress=False)
    assert pkl in str(e.value)
    with pytest.raises(ValueError, match=r"key \('S1', '123'\)"):
        convert_to_h36m([seq], str(tmp_path), pkl, camera_ids=['123'],
                        progress=False)


# ------------------------------------------------------------------- CLI ---
def _cli(*args):
    return subprocess.run([sys.executable, 'tools/mocap_to_h36m.py', *args],
                          cwd=REPO, capture_output=True, text=True,
                          timeout=600)


def test_cli_help_and_errors(h36m_samples, tmp_path):
    proc = _cli('--help')
    assert proc.returncode == 0
    for flag in ('--expmap', '--bvh', '--camera-subject', '--fps',
                 '--jitter-px', '--split', '--seed'):
        assert flag in proc.stdout
    proc = _cli(str(tmp_path), '--bvh', 'x.bvh', '--cameras', 'c.pkl')
    assert proc.returncode == 2 and '--camera-subject' in proc.stderr
    proc = _cli(str(tmp_path), '--bvh', 'missing.bvh', '--cameras',
                str(h36m_samples / 'cameras.pkl'), '--camera-subject', 'S1')
    assert proc.returncode == 2 and 'missing.bvh' in proc.stderr


def test_cli_expmap_run(mocap, h36m_samples, tmp_path):
    proc = _cli(str(tmp_path), '--expmap',
                str(mocap / 'h36m_expmap_50hz_train.npz'), '--skeleton',
                str(mocap / 'skeleton_h36m32.json'), '--cameras',
                str(h36m_samples / 'cameras.pkl'), '--subjects', 'S7', 'S8',
                '--actions', 'walking', '--max-frames', '20', '--fps', '10',
                '--camera-ids', '55011271', '--quiet')
    assert proc.returncode == 0, proc.stderr
    assert f"val: {tmp_path}/annotation_body3d/fps10/h36m_val.npz" in \
        proc.stdout
    ann = np.load(tmp_path / 'annotation_body3d/fps10/h36m_val.npz')
    assert len(ann['imgname']) == 2 * 20  # S8 walking_1, walking_2
    assert ann['imgname'][1].endswith('_000006.jpg')  # 50 Hz numbering
    assert (tmp_path / 'annotation_body3d/fps10/h36m_train.npz').is_file()
