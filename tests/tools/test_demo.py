"""tools/demo.py and poselift_mm.apis.inference: MMPose's inferencer with a
random-weight RTMPose-t (whole image as the person box) and tiny random
ZeDO / DiffPose lifters of our configs, on the real demo media."""
import importlib.util
import json
import os.path as osp
from pathlib import Path

import cv2
import mmpose
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.structures import InstanceData

from poselift_mm.apis.inference import (TruncatedVideoWarning,
                                        build_inferencer, display_to_camera,
                                        lifter_inferencer_kwargs,
                                        run_inferencer)
from poselift_mm.geometry.skeleton import H36M17_NAMES
from mmpose.registry import MODELS

REPO = Path(__file__).resolve().parents[2]
TOOL = REPO / 'tools' / 'demo.py'
ZEDO_CFG = REPO / 'configs/zedo/zedo_prior-mlp512_h36m-mocap_cpu.py'
DIFF_CFG = REPO / 'configs/diffpose/diffpose_gcndiff-gcnpose_h36m-mocap_cpu.py'
POSE2D = osp.join(osp.dirname(mmpose.__file__), '.mim', 'configs',
                  'body_2d_keypoint', 'rtmpose', 'coco',
                  'rtmpose-t_8xb256-420e_coco-256x192.py')
CLIP_FRAMES = 8
H36M_STATS = (528., 427., 400.)  # MMPose h36m stats_info: centre, scale


@pytest.fixture(autouse=True, scope='module')
def one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture(scope='module')
def demo():
    spec = importlib.util.spec_from_file_location('demo_tool', TOOL)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope='module')
def assets(tmp_path_factory, shared_data, h36m_samples):
    """Tiny lifter configs derived from ours + random weights, ZeDO start
    poses from real H36M 3D, and an 8-frame clip of the real video."""
    root = tmp_path_factory.mktemp('demo_assets')
    assert 'hand3d' not in str(root)
    s = np.load(h36m_samples / 'test_h36m_body3d.npz')['S'][..., :3]
    np.savez(root / 'clusters.npz',
             clusters=(s - s[:, :1]).astype(np.float32),
             counts=np.array([4, 3, 2, 1]))
    texts = dict(
        zedo=f"""_base_ = ['{ZEDO_CFG}']
model = dict(
    head=dict(denoiser=dict(hidden_dim=64, embed_dim=32, num_groups=8)),
    init_poses=dict(file='{root / 'clusters.npz'}', num=2),
    test_cfg=dict(ipo=dict(iters=5), oil=dict(iters=3, mode='original')))
""",
        diffpose=f"""_base_ = ['{DIFF_CFG}']
model = dict(
    backbone=dict(hid_dim=16, num_layers=1), backbone_checkpoint=None,
    head=dict(denoiser=dict(hid_dim=16, num_layers=1), gmm=None),
    test_cfg=dict(num_hypotheses=2))
""")
    out = dict(root=root)
    torch.manual_seed(0)
    for name, text in texts.items():
        cfg_path = root / f'{name}_tiny.py'
        cfg_path.write_text(text)
        model = MODELS.build(Config.fromfile(str(cfg_path)).model)
        torch.save({'state_dict': model.state_dict()},
                   root / f'{name}_tiny.pth')
        out[name] = (str(cfg_path), str(root / f'{name}_tiny.pth'))
    cap = cv2.VideoCapture(str(shared_data / 'media/single_person_demo.mp4'))
    frames = [cap.read()[1] for _ in range(CLIP_FRAMES)]
    cap.release()
    assert all(f is not None for f in frames)
    h, w = frames[0].shape[:2]
    for name, fourcc in (('clip.mp4', 'mp4v'), ('clip.avi', 'MJPG')):
        writer = cv2.VideoWriter(str(root / name),
                                 cv2.VideoWriter_fourcc(*fourcc), 12.,
                                 (w, h))
        if not writer.isOpened():
            pytest.skip(f'OpenCV cannot write {fourcc} here')
        for f in frames:
            writer.write(f)
        writer.release()
    out['size'] = (w, h)
    out['image'] = str(shared_data / 'media/coco_000000000785.jpg')
    out['multi'] = str(shared_data / 'media/multi_person_demo.mp4')
    return out


@pytest.fixture(scope='module')
def zedo_inf(assets):
    return build_inferencer(POSE2D, None, *assets['zedo'], device='cpu',
                            det_model='whole_image')


@pytest.fixture(scope='module')
def diff_inf(assets):
    return build_inferencer(POSE2D, None, *assets['diffpose'], device='cpu',
                            det_model='whole_image')


def spy(monkeypatch, obj, name, store):
    """Record the args and result of ``obj.name`` calls in ``store``."""
    original = getattr(obj, name)

    def wrapped(*args, **kwargs):
        out = original(*args, **kwargs)
        store.append((args, out))
        return out
    monkeypatch.setattr(obj, name, wrapped)


def check_instance(inst, w, h):
    assert set(inst) == {'track_id', 'keypoints_3d', 'keypoint_scores',
                         'keypoint_spread', 'keypoints_2d', 'bbox'}
    k3 = np.array(inst['keypoints_3d'])
    assert k3.shape == (17, 3) and np.isfinite(k3).all()
    assert np.array(inst['keypoint_scores']).shape == (17, )
    assert np.array(inst['keypoints_2d']).shape == (17, 2)
    assert np.isfinite(inst['keypoints_2d']).all()
    x1, y1, x2, y2 = inst['bbox']
    assert 0 <= x1 < x2 <= w and 0 <= y1 < y2 <= h
    # root-relative lifter, rebased height: root at X = Y = 0, min Z = 0
    np.testing.assert_allclose(k3[0, :2], 0, atol=1e-6)
    assert abs(k3[:, 2].min()) < 1e-6
    return k3


def check_file_instance(inst, w, h):
    """An instance of results.json (apis.output_schema): the record's
    fields, keypoints in the root-relative camera frame, the display-frame
    keypoints_3d kept for one version; returns the camera-frame pose."""
    assert set(inst) == {'track_id', 'keypoints', 'keypoint_scores',
                         'keypoint_spread', 'keypoints_2d', 'translation',
                         'bbox', 'keypoints_3d'}
    check_instance({k: inst[k] for k in ('track_id', 'keypoints_3d',
                                         'keypoint_scores', 'keypoint_spread',
                                         'keypoints_2d', 'bbox')}, w, h)
    cam = np.array(inst['keypoints'])
    assert cam.shape == (17, 3) and (cam[0] == 0).all()
    np.testing.assert_allclose(cam, display_to_camera(inst['keypoints_3d']),
                               atol=2e-6)
    assert inst['translation'] is None
    return cam


# ---- API -------------------------------------------------------------------
def test_lifter_inferencer_kwargs(tmp_path):
    assert lifter_inferencer_kwargs(str(ZEDO_CFG)) == dict(
        disable_norm_pose_2d=True)
    assert lifter_inferencer_kwargs(str(DIFF_CFG)) == dict(
        disable_norm_pose_2d=False)
    # MMPose's own lifter (PoseLifter): MMPose's normalisation
    assert lifter_inferencer_kwargs(str(
        REPO / 'configs/baselines/videopose3d_tcn-27frm_h36m-mocap_cpu.py')
    ) == dict(disable_norm_pose_2d=False)
    win = (REPO / 'configs/diffpose' /
           'diffpose_gcndiff-mixste_h36m-mocap-27f_cpu.py')
    with pytest.raises(ValueError, match='multiple_target'):
        lifter_inferencer_kwargs(str(win))
    bad = tmp_path / 'no_data.py'
    bad.write_text("model = dict(type='ZeDOLifter')\n")
    with pytest.raises(ValueError, match=r'no_data\.py.*train_dataloader'):
        lifter_inferencer_kwargs(str(bad))
    with pytest.raises(ValueError, match='does not exist'):
        lifter_inferencer_kwargs(str(tmp_path / 'absent.py'))


def test_build_inferencer_refuses_hand3d_path(assets, tmp_path):
    path = tmp_path / 'my_hand3d_lifter.py'
    path.write_text(Path(assets['zedo'][0]).read_text())
    with pytest.raises(ValueError, match='hand3d'):
        build_inferencer(POSE2D, None, str(path), assets['zedo'][1],
                         det_model='whole_image')


def test_display_to_camera_of_literal_points():
    # display (X, Y, Z) = (-x, z, -y), rebased: written out by hand
    disp = np.array([[0., 0., 0.8], [-0.1, 0.2, 1.3], [0.3, 0.05, 0.]])
    cam = np.array([[0., 0., 0.], [0.1, -0.5, 0.2], [-0.3, 0.8, 0.05]])
    np.testing.assert_allclose(display_to_camera(disp), cam, atol=1e-12)
    # root elsewhere: the pose is made root-relative first
    np.testing.assert_allclose(display_to_camera(disp + [1., 2., 3.]), cam,
                               atol=1e-12)


def test_video_zedo_pixels_tracks_and_scores(assets, zedo_inf, monkeypatch):
    inner = zedo_inf.inferencer
    lifted, det2d = [], []
    spy(monkeypatch, inner.model, 'predict', lifted)
    spy(monkeypatch, inner.pose2d_model.model, 'test_step', det2d)
    info = {}
    frames = run_inferencer(zedo_inf, str(assets['root'] / 'clip.mp4'),
                            info=info)
    w, h = assets['size']
    assert [f['frame'] for f in frames] == list(range(CLIP_FRAMES))
    assert info['frames_read'] == info['frames_expected'] == CLIP_FRAMES
    assert not info['truncated'] and info['fps'] == pytest.approx(12.)
    for f in frames:
        assert len(f['instances']) == 1
        inst = f['instances'][0]
        check_instance(inst, w, h)
        assert inst['bbox'] == [0., 0., float(w), float(h)]  # whole image
        assert inst['track_id'] == 0  # one persistent track (fixed)
        spread = np.array(inst['keypoint_spread'])
        assert spread.shape == (17, ) and np.isfinite(spread).all()
        assert spread[0] == pytest.approx(0, abs=1e-6)  # root-relative
    assert len(lifted) == CLIP_FRAMES
    # ZeDO gets the 2D in pixels, unnormalised (disable_norm_pose_2d)
    for (args, _), f in zip(lifted, frames):
        x = args[0]  # (B, K*2, T)
        uv = x.reshape(1, 17, 2, -1)[0, :, :, -1].cpu().numpy()
        np.testing.assert_allclose(uv, f['instances'][0]['keypoints_2d'],
                                   rtol=1e-5)
    # COCO -> H36M-17: pelvis = mid-hips, thorax = mid-shoulders, scores
    # mapped the same way
    coco = det2d[0][1][0].pred_instances
    kc = np.asarray(coco.keypoints)[0]
    sc = np.asarray(coco.keypoint_scores)[0]
    inst = frames[0]['instances'][0]
    k2, s2 = np.array(inst['keypoints_2d']), np.array(inst['keypoint_scores'])
    np.testing.assert_allclose(k2[0], (kc[11] + kc[12]) / 2, rtol=1e-5)
    np.testing.assert_allclose(k2[8], (kc[5] + kc[6]) / 2, rtol=1e-5)
    np.testing.assert_allclose(k2[13], kc[9], rtol=1e-6)  # left wrist
    np.testing.assert_allclose(s2[0], (sc[11] + sc[12]) / 2, rtol=1e-5)
    np.testing.assert_allclose(s2[16], sc[10], rtol=1e-6)  # right wrist


def test_image_diffpose_gets_h36m_normalised_2d(assets, diff_inf,
                                                monkeypatch):
    inner = diff_inf.inferencer
    lifted = []
    spy(monkeypatch, inner.model, 'predict', lifted)
    frames = run_inferencer(diff_inf, assets['image'])
    img_h, img_w = cv2.imread(assets['image']).shape[:2]
    assert len(frames) == 1 and len(frames[0]['instances']) == 1
    inst = frames[0]['instances'][0]
    check_instance(inst, img_w, img_h)
    assert inst['bbox'] == [0., 0., float(img_w), float(img_h)]
    # hand-computed: MMPose moves the person box to the H36M bbox stats,
    # then the codec's screen normalisation with the image size
    k2 = np.array(inst['keypoints_2d'])
    cx, cy, s = img_w / 2, img_h / 2, max(img_w, img_h)
    x = (k2[:, 0] - cx) / s * H36M_STATS[2] + H36M_STATS[0]
    y = (k2[:, 1] - cy) / s * H36M_STATS[2] + H36M_STATS[1]
    expected = np.stack([2 * x / img_w - 1, 2 * y / img_w - img_h / img_w],
                        1)
    got = lifted[0][0][0].reshape(1, 17, 2, -1)[0, :, :, -1].cpu().numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)


class FakeDetector:
    """Stands for an MMDetection inferencer: fixed person boxes per call."""

    def __init__(self, boxes_per_call):
        self.boxes = boxes_per_call
        self.calls = 0

    def __call__(self, img, return_datasamples=True):
        from mmengine.structures import BaseDataElement
        b = np.asarray(self.boxes[min(self.calls, len(self.boxes) - 1)],
                       np.float32)
        self.calls += 1
        ds = BaseDataElement()
        ds.pred_instances = InstanceData(
            # distinct scores: NMS keeps the given order
            bboxes=torch.from_numpy(b),
            scores=1 - 0.1 * torch.arange(len(b), dtype=torch.float32),
            labels=torch.zeros(len(b), dtype=torch.long))
        return {'predictions': [ds]}


def test_two_one_and_no_person(assets, zedo_inf, monkeypatch):
    """Frame 0: two people; frame 1: the second one lost (box elsewhere, no
    keypoints: MMPose drops it); frame 2: nobody."""
    inner = zedo_inf.inferencer
    a, b = [40, 300, 520, 1700], [560, 300, 1040, 1700]
    far1, far2 = [1000, 1880, 1010, 1890], [10, 10, 20, 20]
    det = FakeDetector([[a, b], [a, far1], [far1, far2]])
    monkeypatch.setattr(inner.pose2d_model, 'detector', det)
    monkeypatch.setattr(inner.pose2d_model, 'det_cat_ids', (0, ),
                        raising=False)
    lost = {1: [1], 2: [0, 1]}  # call -> instances without keypoints
    original = inner.pose2d_model.model.test_step
    calls = []

    def test_step(data):
        out = original(data)
        for i in lost.get(len(calls), []):
            out[i].pred_instances.keypoints[...] = 0
        calls.append(len(out))
        return out
    monkeypatch.setattr(inner.pose2d_model.model, 'test_step', test_step)
    frames = run_inferencer(zedo_inf, assets['multi'], max_frames=3)
    assert calls == [2, 2, 2]
    assert [len(f['instances']) for f in frames] == [2, 1, 0]
    f0 = frames[0]['instances']
    assert [i['track_id'] for i in f0] == [0, 1]
    assert [i['bbox'] for i in f0] == [[float(v) for v in a],
                                       [float(v) for v in b]]
    assert frames[1]['instances'][0]['track_id'] == 0  # tracked by IoU
    assert frames[1]['instances'][0]['bbox'] == [float(v) for v in a]
    for inst in f0 + frames[1]['instances']:
        check_instance(inst, *assets['size'])
    # the two people got their own 2D (inside their own boxes' frames)
    assert not np.allclose(f0[0]['keypoints_2d'], f0[1]['keypoints_2d'])


# ---- tools/demo.py ---------------------------------------------------------
def demo_args(assets, inp, out_dir, lifter='zedo', *extra):
    cfg, ckpt = assets[lifter]
    return [str(inp), '--pose2d', POSE2D, '--pose3d', cfg, '--pose3d-weights',
            ckpt, '--det-model', 'whole_image', '--out-dir', str(out_dir),
            '--device', 'cpu', '--threads', '1', *extra]


def read_results(out_dir):
    from poselift_mm.apis.output_schema import read_results as read_schema
    doc = json.loads((Path(out_dir) / 'results.json').read_text())
    meta = doc['meta']
    assert read_schema(doc)[0] == meta
    assert meta['units'] == 'metres' and meta['coordinate_frame'] == 'camera'
    assert meta['joint_names'] == list(H36M17_NAMES)
    for key in ('pose2d', 'pose3d', 'created'):
        assert meta[key]
    assert meta['model']['checkpoint'] == meta['pose3d_weights']
    assert [f['frame_id'] for f in doc['frames']] == \
        [f['frame'] for f in doc['frames']]  # 'frame': one more version
    return doc


def test_demo_video_results_and_mp4(demo, assets, tmp_path, capsys):
    out = tmp_path / 'out'
    rc = demo.main(demo_args(assets, assets['root'] / 'clip.mp4', out))
    assert rc == 0, capsys.readouterr().err
    doc = read_results(out)
    assert doc['meta']['pose2d'] == POSE2D
    assert doc['meta']['disable_norm_pose_2d'] is True
    assert doc['meta']['model']['type'] == 'ZeDOLifter'
    assert doc['meta']['fps'] == pytest.approx(12.)
    assert doc['meta']['image_size'] == list(assets['size'])
    assert [f['frame_id'] for f in doc['frames']] == list(range(CLIP_FRAMES))
    for f in doc['frames']:
        assert len(f['instances']) == 1
        check_file_instance(f['instances'][0], *assets['size'])
        assert len(f['instances'][0]['keypoint_spread']) == 17  # 2 hyps
    anim = out / 'demo.mp4'
    assert anim.is_file() and anim.stat().st_size > 0
    cap = cv2.VideoCapture(str(anim))
    n = 0
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        n += 1
        # 1080x1920 image -> 270x480 panel, beside the 480x480 3D panel
        assert frame.shape == (480, 270 + 480, 3)
    assert n == CLIP_FRAMES
    assert not list(out.glob('.*'))  # no temporary files left


def test_demo_image_diffpose_no_render(demo, assets, tmp_path, capsys):
    out = tmp_path / 'out'
    rc = demo.main(demo_args(assets, assets['image'], out, 'diffpose',
                             '--no-render'))
    assert rc == 0, capsys.readouterr().err
    doc = read_results(out)
    assert doc['meta']['disable_norm_pose_2d'] is False
    assert doc['meta']['fps'] is None and doc['meta']['image_size'] is None
    assert len(doc['frames']) == 1
    assert len(doc['frames'][0]['instances']) == 1
    img = cv2.imread(assets['image'])
    inst = doc['frames'][0]['instances'][0]
    check_file_instance(inst, img.shape[1], img.shape[0])
    assert inst['keypoint_spread'] is not None  # 2 hypotheses
    assert not (out / 'demo.mp4').exists()


def test_demo_gif_fallback(demo, assets, tmp_path, capsys, monkeypatch):
    from PIL import Image

    from poselift_mm.apis import video_demo
    monkeypatch.setattr(video_demo, 'mp4_writer_works', lambda: False)
    out = tmp_path / 'out'
    rc = demo.main(demo_args(assets, assets['root'] / 'clip.mp4', out,
                             'zedo', '--max-frames', '2', '--fps', '5'))
    assert rc == 0, capsys.readouterr().err
    assert len(read_results(out)['frames']) == 2
    with Image.open(out / 'demo.gif') as gif:
        assert gif.n_frames == 2
        assert gif.size == (750, 480)
        assert gif.info['duration'] == 200


def test_demo_truncated_mp4_unreadable(demo, assets, tmp_path, capsys):
    """An mp4 cut short loses its index (moov at the end): nothing can be
    read -> a clear message and exit 2, no output files."""
    data = (assets['root'] / 'clip.mp4').read_bytes()
    bad = tmp_path / 'cut.mp4'
    bad.write_bytes(data[:len(data) * 6 // 10])
    out = tmp_path / 'out'
    rc = demo.main(demo_args(assets, bad, out))
    err = capsys.readouterr().err
    assert rc == 2
    assert f'error: {bad}: cannot open the video' in err
    assert not (out / 'results.json').exists()
    assert not (out / 'demo.mp4').exists()


def test_demo_truncated_avi_partial(demo, assets, tmp_path, capsys):
    """An AVI cut short still opens: the frames read are written, with a
    message naming the file and the frame counts."""
    data = (assets['root'] / 'clip.avi').read_bytes()
    bad = tmp_path / 'cut.avi'
    bad.write_bytes(data[:len(data) // 2])
    out = tmp_path / 'out'
    rc = demo.main(demo_args(assets, bad, out))
    err = capsys.readouterr().err
    assert rc == 0, err
    doc = read_results(out)
    n = len(doc['frames'])
    assert 1 <= n < CLIP_FRAMES
    assert f'{bad}: the video ended after {n} of {CLIP_FRAMES} frames' in err
    assert doc['meta']['truncated'] is True
    assert (out / 'demo.mp4').stat().st_size > 0


def test_demo_bad_inputs_exit_2(demo, assets, tmp_path, capsys):
    rc = demo.main(demo_args(assets, tmp_path / 'absent.mp4', tmp_path))
    assert rc == 2
    assert 'absent.mp4: input does not exist' in capsys.readouterr().err
    txt = tmp_path / 'notes.txt'
    txt.write_text('hello')
    assert demo.main(demo_args(assets, txt, tmp_path)) == 2
    assert 'notes.txt: not an image or a video' in capsys.readouterr().err
    empty = tmp_path / 'empty_dir'
    empty.mkdir()
    assert demo.main(demo_args(assets, empty, tmp_path)) == 2
    assert 'holds no image files' in capsys.readouterr().err


def test_run_inferencer_warns_on_truncated_video(assets, zedo_inf,
                                                 tmp_path):
    data = (assets['root'] / 'clip.avi').read_bytes()
    bad = tmp_path / 'cut.avi'
    bad.write_bytes(data[:len(data) // 2])
    with pytest.warns(TruncatedVideoWarning, match='truncated'):
        frames = run_inferencer(zedo_inf, str(bad))
    assert 1 <= len(frames) < CLIP_FRAMES


def test_demo_image_folder(demo, assets, tmp_path, capsys):
    import shutil
    folder = tmp_path / 'images'
    folder.mkdir()
    for name in ('b.jpg', 'a.jpg'):
        shutil.copy(assets['image'], folder / name)
    (folder / 'readme.txt').write_text('not an image')
    out = tmp_path / 'out'
    rc = demo.main(demo_args(assets, folder, out, 'zedo', '--no-render'))
    assert rc == 0, capsys.readouterr().err
    doc = read_results(out)
    assert [f['frame_id'] for f in doc['frames']] == [0, 1]
    # each image on its own (MMPose clears its buffer): same image, same
    # 2D and 3D, track ids restart
    a, b = (f['instances'] for f in doc['frames'])
    assert len(a) == len(b) == 1
    assert a[0]['track_id'] == b[0]['track_id'] == 0
    np.testing.assert_allclose(a[0]['keypoints_2d'], b[0]['keypoints_2d'])


def test_write_results_nulls_nan(tmp_path):
    from poselift_mm.apis.video_demo import write_results
    n = write_results(tmp_path / 'r.json', dict(units='metres'),
                      [dict(frame=0, instances=[dict(
                          keypoints_3d=[[float('nan'), 1., 2.]],
                          bbox=[0., float('inf'), 1., 1.])])])
    assert n == 3  # keypoints_3d, bbox, and keypoints made of keypoints_3d
    doc = json.loads((tmp_path / 'r.json').read_text())
    inst = doc['frames'][0]['instances'][0]
    assert inst['keypoints_3d'] == [[None, 1., 2.]]
    assert inst['keypoints'] == [[None, 0., 0.]]
    assert inst['bbox'] == [0., None, 1., 1.]
    assert doc['frames'][0]['frame_id'] == 0
    assert 'keypoints_3d' in doc['meta']['deprecated']
