"""The released lifters behind MMPose's own ``MMPoseInferencer`` on the real
demo video (random-weight RTMPose-t, the whole image as the person box:
the 2D is meaningless, the plumbing is what is tested), and
``tools/demo.py --offline`` with the causal video config."""
import importlib.util
import json
import os.path as osp
from pathlib import Path

import cv2
import mmpose
import numpy as np
import pytest
import torch

REPO = Path(__file__).resolve().parents[2]
POSE2D = osp.join(osp.dirname(mmpose.__file__), '.mim', 'configs',
                  'body_2d_keypoint', 'rtmpose', 'coco',
                  'rtmpose-t_8xb256-420e_coco-256x192.py')
RELEASED = {
    'zedo': ('configs/zedo/zedo_prior-mlp512_h36m-mocap_cpu.py',
             'checkpoints/zedo/zedo_prior-mlp512_h36m-mocap_cpu-*.pth'),
    'diffpose_frame': (
        'configs/diffpose/diffpose_gcndiff-gcnpose_h36m-mocap_cpu.py',
        'checkpoints/diffpose/diffpose_gcndiff-gcnpose_h36m-mocap_cpu-*.pth'),
    'diffpose_video_causal': (
        'configs/diffpose/diffpose_gcndiff-mixste_h36m-mocap-27f_cpu_'
        'causal.py',
        'checkpoints/diffpose/diffpose_gcndiff-mixste_h36m-mocap-27f_cpu-'
        '*.pth'),
}


def released(name):
    cfg, pattern = RELEASED[name]
    hits = sorted(REPO.glob(pattern))
    assert hits, f'no committed checkpoint matches {pattern}'
    return str(REPO / cfg), str(hits[-1])


@pytest.fixture(autouse=True, scope='module')
def one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture(autouse=True)
def in_repo(monkeypatch):
    # the released configs name their files relative to the repository
    monkeypatch.chdir(REPO)


@pytest.fixture(scope='module')
def video(shared_data):
    path = shared_data / 'media/single_person_demo.mp4'
    cap = cv2.VideoCapture(str(path))
    n = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    cap.release()
    assert n > 0
    return str(path), n


@pytest.mark.parametrize('name', sorted(RELEASED))
def test_mmpose_inferencer_json_on_real_video(name, video, tmp_path):
    from mmpose.apis import MMPoseInferencer

    from poselift_mm.apis import enable_persistent_tracks
    assert enable_persistent_tracks()  # the documented call for MMPose users
    cfg, ckpt = released(name)
    path, n_frames = video
    inferencer = MMPoseInferencer(pose2d=POSE2D, pose2d_weights=None,
                                  pose3d=cfg, pose3d_weights=ckpt,
                                  det_model='whole_image', device='cpu')
    # ZeDO optimises against the pixels' rays: MMPose's H36M bbox
    # normalisation is switched off for it (lifter_inferencer_kwargs)
    from poselift_mm.apis import lifter_inferencer_kwargs
    kwargs = lifter_inferencer_kwargs(cfg)
    assert kwargs['disable_norm_pose_2d'] is (name == 'zedo')
    vis = {}
    if name == 'diffpose_frame':  # MMPose's own 3D rendering, once
        vis = dict(vis_out_dir=str(tmp_path / 'vis'))
    results = list(inferencer(path, pred_out_dir=str(tmp_path),
                              return_vis=False, **kwargs, **vis))
    assert len(results) == n_frames
    if vis:
        import cv2
        cap = cv2.VideoCapture(str(tmp_path / 'vis' /
                                   'single_person_demo.mp4'))
        count = 0
        while cap.read()[0]:
            count += 1
        assert count == n_frames
    doc = json.loads((tmp_path / 'single_person_demo.json').read_text())
    assert len(doc) == n_frames
    assert [f['frame_id'] for f in doc] == list(range(n_frames))
    tracks = set()
    for frame in doc:
        assert len(frame['instances']) == 1
        inst = frame['instances'][0]
        kp = np.asarray(inst['keypoints'])
        assert kp.shape == (17, 3) and np.isfinite(kp).all()
        # root-relative metres, rebased: a body, not pixels
        assert np.abs(kp).max() < 3.
        assert np.asarray(inst['keypoint_scores']).shape == (17, )
        tracks.add(inst.get('track_id'))
    # one person, one persistent track (apis.tracks fixes MMPose's tracker)
    assert len(tracks) == 1


@pytest.fixture(scope='module')
def demo():
    spec = importlib.util.spec_from_file_location('demo_tool',
                                                  REPO / 'tools/demo.py')
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope='module')
def short_clip(tmp_path_factory, video):
    """The first 12 frames of the demo video (the demo writes MP4s)."""
    path, _ = video
    cap = cv2.VideoCapture(path)
    frames = [cap.read()[1] for _ in range(12)]
    cap.release()
    out = tmp_path_factory.mktemp('clip') / 'clip.mp4'
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*'mp4v'), 25.,
                             (w, h))
    if not writer.isOpened():
        pytest.skip('OpenCV cannot write mp4v here')
    for f in frames:
        writer.write(f)
    writer.release()
    return str(out), 12


def run_demo(demo, clip, name, out, *extra):
    cfg, ckpt = released(name)
    rc = demo.main([clip, '--pose2d', POSE2D, '--pose3d', cfg,
                    '--pose3d-weights', ckpt, '--out-dir', str(out),
                    '--threads', '1', *extra])
    assert rc == 0
    return json.loads((out / 'results.json').read_text())


def test_demo_offline_video_uses_the_future(demo, short_clip, tmp_path):
    clip, n = short_clip
    doc = run_demo(demo, clip, 'diffpose_video_causal', tmp_path / 'off',
                   '--offline')
    assert doc['meta']['offline'] is True
    assert len(doc['frames']) == n
    diffs = []
    for f in doc['frames']:
        (inst, ) = f['instances']
        off = np.asarray(inst['keypoints_3d'])
        on = np.asarray(inst['keypoints_3d_online'])
        assert off.shape == on.shape == (17, 3)
        assert np.isfinite(off).all() and np.isfinite(on).all()
        np.testing.assert_allclose(off[0, :2], 0., atol=1e-6)  # root
        assert abs(off[:, 2].min()) < 1e-6  # rebased
        diffs.append(np.abs(off - on).max())
    # the online window of frame 0 repeats frame 0 27 times; the offline
    # one sees 13 real frames after it: the poses must differ
    assert max(diffs) > 1e-4
    # the rendered animation has every frame
    cap = cv2.VideoCapture(str(tmp_path / 'off' / 'demo.mp4'))
    count = 0
    while cap.read()[0]:
        count += 1
    assert count == n


def test_demo_offline_frame_model_equals_online(demo, short_clip, tmp_path):
    clip, n = short_clip
    doc = run_demo(demo, clip, 'diffpose_frame', tmp_path / 'off',
                   '--offline', '--no-render')
    for f in doc['frames']:
        (inst, ) = f['instances']
        np.testing.assert_allclose(inst['keypoints_3d'],
                                   inst['keypoints_3d_online'], atol=1e-4)


def test_demo_offline_refuses_images(demo, shared_data, tmp_path, capsys):
    cfg, ckpt = released('diffpose_frame')
    rc = demo.main([str(shared_data / 'media/coco_000000000785.jpg'),
                    '--pose2d', POSE2D, '--pose3d', cfg, '--pose3d-weights',
                    ckpt, '--out-dir', str(tmp_path), '--offline'])
    assert rc == 2
    assert '--offline needs a video' in capsys.readouterr().err


def test_camera_to_display_hand_computed():
    from poselift_mm.apis.inference import camera_to_display
    cam = np.array([[0., 0., 0.], [0.1, -0.5, 0.2], [-0.3, 0.8, 0.05]])
    # (X, Y, Z) = (-x, z, -y), then the lowest joint at Z = 0 (Z min -0.8)
    expected = np.array([[0., 0., 0.8], [-0.1, 0.2, 1.3], [0.3, 0.05, 0.]])
    np.testing.assert_allclose(camera_to_display(cam), expected, atol=1e-12)
    np.testing.assert_allclose(camera_to_display(cam, rebase=False)[..., 2],
                               [0., 0.5, -0.8], atol=1e-12)

