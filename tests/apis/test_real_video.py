"""Real detector 2D in, plausible 3D out: BlazePose on the bundled real
video (20 frames), lifted by the three released lifters as the README main
job does (apis.real_video). No ground truth: the 3D must be upright, face
one way from frame to frame and keep the 2D's left and right."""
import json
from pathlib import Path

import numpy as np
import pytest
import torch

pytest.importorskip('mediapipe')

from poselift_mm.apis.blazepose import run_blazepose  # noqa: E402
from poselift_mm.apis.demo_clip import resolve_models  # noqa: E402
from poselift_mm.apis.real_video import (lift_person, lift_video,  # noqa
                                         person_track, run_video_demo,
                                         video_frames)
from poselift_mm.geometry.skeleton import H36M17_NAMES  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
VIDEO = REPO / 'demo' / 'single_person_demo.mp4'
N_FRAMES = 20
J = {name: j for j, name in enumerate(H36M17_NAMES)}
NAMES = ['ZeDO', 'DiffPose frame', 'DiffPose video']


@pytest.fixture(scope='module')
def one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture(scope='module')
def lifted(one_thread):
    info = {}
    frames = run_blazepose(str(VIDEO), max_frames=N_FRAMES, info=info)
    track = person_track(frames)
    torch.manual_seed(0)
    out = lift_video(track, resolve_models(), (info['width'],
                                               info['height']),
                     info['fps'], log=lambda msg: None)
    return frames, track, info, out


def test_every_lifter_lifts_every_frame(lifted):
    frames, track, info, out = lifted
    assert list(out) == NAMES
    assert len(track['frame_ids']) == N_FRAMES
    for name, r in out.items():
        kp = r['keypoints_3d']
        assert kp.shape == (N_FRAMES, 17, 3) and np.isfinite(kp).all()
        np.testing.assert_allclose(kp[:, 0], 0., atol=1e-5)  # root
        height = kp[..., 1].max(1) - kp[..., 1].min(1)
        assert (height > 0.8).all() and (height < 2.2).all(), name
    # the video model saw 50 Hz windows of the 12 fps video
    assert out['DiffPose video']['resampled']
    assert out['DiffPose video']['model_fps'] == 50.
    assert not out['ZeDO']['resampled']
    assert not out['DiffPose frame']['resampled']


def spine_angles(kp):
    """(N,) degrees between root -> thorax and up (-y, camera y down)."""
    spine = kp[:, J['thorax']] - kp[:, J['root']]
    cos = -spine[:, 1] / np.linalg.norm(spine, axis=-1)
    return np.degrees(np.arccos(np.clip(cos, -1., 1.)))


def facing(kp):
    """(N, 3) unit vectors the torso faces: (left hip - right hip) x
    (thorax - root)."""
    hips = kp[:, J['left_hip']] - kp[:, J['right_hip']]
    spine = kp[:, J['thorax']] - kp[:, J['root']]
    n = np.cross(hips, spine)
    return n / np.linalg.norm(n, axis=-1, keepdims=True)


@pytest.mark.parametrize('name', NAMES)
def test_torso_is_upright(lifted, name):
    """The player bends over the ball (2D spine up to ~30 deg); the 3D
    spine stays within 45 deg of the vertical."""
    ang = spine_angles(lifted[3][name]['keypoints_3d'])
    assert ang.max() < 45., (name, ang.round(1))


@pytest.mark.parametrize('name', NAMES)
def test_facing_is_consistent_frame_to_frame(lifted, name):
    """No flip of the torso between neighbouring frames (12 fps)."""
    n = facing(lifted[3][name]['keypoints_3d'])
    turn = np.degrees(np.arccos(np.clip((n[1:] * n[:-1]).sum(-1), -1, 1)))
    assert turn.max() < 60., (name, turn.round(1))


@pytest.mark.parametrize('name', NAMES)
@pytest.mark.parametrize('pair', ['shoulder', 'hip'])
def test_left_and_right_agree_with_the_2d(lifted, name, pair):
    """Where the 2D separates the person's left and right joint clearly
    (> 60 px, about 10 cm at the player), the lifted left joint lies on
    the same side (camera x) of the right one as in the image."""
    r = lifted[3][name]
    a, b = J['left_' + pair], J['right_' + pair]
    du = r['keypoints_2d'][:, a, 0] - r['keypoints_2d'][:, b, 0]
    dx = r['keypoints_3d'][:, a, 0] - r['keypoints_3d'][:, b, 0]
    clear = np.abs(du) > 60.
    assert clear.sum() >= 5
    assert (np.sign(du[clear]) == np.sign(dx[clear])).all(), (du, dx)


def test_2d_is_blazepose_converted(lifted):
    """The lifters' 2D is the detector's COCO-17 mapped to Human3.6M-17:
    copied limbs equal, the root the hips' midpoint."""
    _, track, _, out = lifted
    kp2 = out['ZeDO']['keypoints_2d']
    coco = track['keypoints']
    np.testing.assert_allclose(kp2[:, J['left_wrist']], coco[:, 9],
                               atol=1e-3)
    np.testing.assert_allclose(kp2[:, J['root']],
                               (coco[:, 11] + coco[:, 12]) / 2, atol=1e-3)
    np.testing.assert_allclose(out['DiffPose video']['keypoints_2d'], kp2,
                               atol=1e-3)


def test_frame_without_person_is_an_empty_entry(lifted):
    """A frame whose detection is empty: no instance in the results, the
    lifter fills the gap for its neighbours, every other frame lifted."""
    frames, _, info, out = lifted
    frames = [dict(f) for f in frames]
    frames[7] = dict(frame_id=7, instances=[])
    track = person_track(frames)
    assert len(track['frame_ids']) == N_FRAMES - 1
    name, cfg, ckpt = resolve_models()[2]  # the video model: windows
    from poselift_mm.apis.lift import init_lifter
    from poselift_mm.apis.model_zoo import load_config
    model = init_lifter(load_config(cfg), ckpt, device='cpu')
    res = lift_person(model, track, (info['width'], info['height']),
                      info['fps'])
    res['seconds'] = 0.
    assert res['keypoints_3d'].shape == (N_FRAMES - 1, 17, 3)
    assert np.isfinite(res['keypoints_3d']).all()
    # the frames around the gap stay close to the lift of the whole track
    full = out[name]['keypoints_3d']
    near = np.linalg.norm(res['keypoints_3d'][[6, 7]] - full[[6, 8]],
                          axis=-1).mean() * 1000.
    assert near < 50., near
    doc = video_frames(frames, track, {name: res}, info['fps'])
    assert [len(f['instances']) for f in doc] == \
        [0 if i == 7 else 1 for i in range(N_FRAMES)]
    np.testing.assert_allclose(doc[8]['instances'][0]['keypoints_2d'],
                               res['keypoints_2d'][7], atol=1e-5)


def test_main_job_video_part_writes_results_and_animation(one_thread,
                                                          tmp_path):
    written = run_video_demo(str(VIDEO), str(tmp_path), max_frames=8,
                             log=lambda msg: None)
    doc = json.loads((tmp_path / 'results.json').read_text())
    meta = doc['meta']
    assert meta['schema'] == 'poselift_mm.pose3d' and meta['fps'] == 12.
    assert meta['image_size'] == [1080., 1920.]
    assert 'BlazePose' in meta['pose2d'] and 'MMHuman3D' in \
        meta['attribution']
    assert list(meta['lifters']) == NAMES
    assert meta['lifters']['DiffPose video']['model_fps'] == 50.
    assert len(doc['frames']) == 8
    inst = doc['frames'][3]['instances'][0]
    assert list(inst['lifters']) == NAMES
    np.testing.assert_allclose(inst['keypoints'],
                               inst['lifters']['DiffPose video']['keypoints'],
                               atol=1e-4)
    assert np.asarray(inst['keypoints_2d_coco']).shape == (17, 2)
    assert doc['frames'][3]['time_s'] == 0.25
    anim = Path(written[-1])
    assert anim.parent == tmp_path and anim.stat().st_size > 10000
    if anim.suffix == '.mp4':
        import cv2
        cap = cv2.VideoCapture(str(anim))
        count = 0
        while cap.read()[0]:
            count += 1
        assert count == 8


def load_demo_tool():
    import importlib.util
    spec = importlib.util.spec_from_file_location('demo_tool',
                                                  REPO / 'tools/demo.py')
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_demo_tool_with_blazepose(one_thread, tmp_path, capsys,
                                  monkeypatch):
    """tools/demo.py --pose2d blazepose: no MMPose 2D model; the video's
    track lifted at the model's rate, written as the MMPose path writes."""
    monkeypatch.chdir(tmp_path)  # aliases resolve from any directory
    rc = load_demo_tool().main([
        str(VIDEO), '--pose2d', 'blazepose', '--pose3d', 'diffpose-video',
        '--out-dir', str(tmp_path / 'out'), '--max-frames', '12'])
    assert rc == 0
    out = capsys.readouterr().out
    assert '12 frames at 12 fps lifted at the model\'s 50 Hz' in out
    doc = json.loads((tmp_path / 'out' / 'results.json').read_text())
    meta = doc['meta']
    assert meta['pose2d'] == 'blazepose' and meta['model_fps'] == 50.
    assert meta['fps'] == 12. and meta['image_size'] == [1080., 1920.]
    assert len(doc['frames']) == 12
    for f in doc['frames']:
        (inst, ) = f['instances']
        kp = np.asarray(inst['keypoints'])
        assert kp.shape == (17, 3) and np.isfinite(kp).all()
        np.testing.assert_allclose(kp[0], 0., atol=1e-6)
        assert np.asarray(inst['keypoints_2d']).shape == (17, 2)
    assert spine_angles(np.array([f['instances'][0]['keypoints']
                                  for f in doc['frames']])).max() < 45.
    anim = [p for p in (tmp_path / 'out').iterdir()
            if p.name in ('demo.mp4', 'demo.gif')]
    assert len(anim) == 1 and anim[0].stat().st_size > 10000


def test_demo_tool_blazepose_image_without_person(tmp_path, capsys):
    import cv2
    img = tmp_path / 'empty.jpg'
    cv2.imwrite(str(img), np.full((240, 320, 3), 127, np.uint8))
    rc = load_demo_tool().main([
        str(img), '--pose2d', 'blazepose', '--pose3d', 'zedo', '--out-dir',
        str(tmp_path / 'out'), '--no-render'])
    assert rc == 0
    doc = json.loads((tmp_path / 'out' / 'results.json').read_text())
    assert [f['instances'] for f in doc['frames']] == [[]]
    assert 'a person in 0 of 1 frames' in capsys.readouterr().out


def load_main_job_tool():
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        'demo_clip_tool', REPO / 'tools/demo_clip.py')
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_main_job_names_a_missing_video(tmp_path, capsys):
    tool = load_main_job_tool()
    rc = tool.main(['--video', str(tmp_path / 'none.mp4'), '--out-dir',
                    str(tmp_path / 'o')])
    assert rc == 2
    assert 'none.mp4: video file not found' in capsys.readouterr().err
    assert not (tmp_path / 'o' / 'results.json').exists()


def test_main_job_without_mediapipe_skips_the_video(tmp_path, capsys,
                                                    monkeypatch):
    import poselift_mm.apis.blazepose as blazepose

    def missing():
        raise blazepose.BlazePoseUnavailable('BlazePose needs mediapipe')

    monkeypatch.setattr(blazepose, 'require_mediapipe', missing)
    tool = load_main_job_tool()
    args = tool.parse_args(['--out-dir', str(tmp_path)])
    assert tool.run_video(args) == []
    assert '[video] skipped: BlazePose needs mediapipe' in \
        capsys.readouterr().err


@pytest.mark.parametrize('name', NAMES)
def test_consistent_track_holds_limb_lengths(lifted, name):
    """Issue 14.8 on the real video: per frame the limbs change length
    (measured for the note); after geometry.temporal.consistent_track
    (as tools/lift.py applies it by default) every limb's coefficient of
    variation over the clip is at most 0.10, and the upright torso and
    steady facing still hold."""
    from poselift_mm.geometry.temporal import (consistent_track,
                                               limb_length_cv,
                                               smoothing_window)
    kp = lifted[3][name]['keypoints_3d']
    held = consistent_track(kp, None, smoothing_window(lifted[2]['fps']))
    assert limb_length_cv(held).max() <= 0.10
    assert spine_angles(held).max() < 45.
    n = facing(held)
    turn = np.degrees(np.arccos(np.clip((n[1:] * n[:-1]).sum(-1), -1, 1)))
    assert turn.max() < 60.
