"""init_lifter / lift_keypoints: tiny models built from the real configs
(random weights saved as checkpoints), window covering, format conversion,
inputs reaching the models, errors, and a real Human3.6M geometry check."""
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config

from poselift_mm.apis.lift import init_lifter, lift_keypoints, video_windows
from poselift_mm.geometry import camera_from_pkl, convert_keypoints

REPO = Path(__file__).resolve().parents[2]
ZEDO_CFG = REPO / 'configs/zedo/zedo_prior-mlp512_h36m-mocap_cpu.py'
FRAME_CFG = REPO / 'configs/diffpose/diffpose_gcndiff-gcnpose_h36m-mocap_cpu.py'
VIDEO_CFG = REPO / 'configs/diffpose/diffpose_gcndiff-mixste_h36m-mocap-27f_cpu.py'

# standing Human3.6M-17 pose, camera frame (y down), metres, pelvis at 0
POSE = np.array(
    [[0., 0., 0.], [-0.13, 0., 0.02], [-0.14, 0.45, 0.03], [-0.15, 0.88, 0.08],
     [0.13, 0., -0.02], [0.14, 0.45, 0.], [0.15, 0.88, 0.05],
     [0., -0.23, 0.02], [0., -0.48, 0.03], [0., -0.58, -0.06], [0., -0.68, 0.],
     [0.16, -0.45, 0.03], [0.30, -0.25, 0.05], [0.35, -0.02, -0.10],
     [-0.16, -0.45, 0.03], [-0.30, -0.25, 0.02], [-0.33, -0.03, -0.12]],
    np.float32)
IMAGE = (1000, 800)


@pytest.fixture(autouse=True, scope='module')
def one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def zedo_options(clusters, num=2, ipo=5, oil=3):
    return {
        'model.head.denoiser.hidden_dim': 64,
        'model.head.denoiser.embed_dim': 32,
        'model.head.denoiser.num_groups': 8,
        'model.test_cfg.ipo.iters': ipo,
        'model.test_cfg.oil.iters': oil,
        # plumbing tests with random weights: the small original step
        'model.test_cfg.oil.mode': 'original',
        'model.init_poses.file': str(clusters),
        'model.init_poses.num': num,
    }


DIFFPOSE_HEAD = {
    'model.head.denoiser.hid_dim': 16,
    'model.head.denoiser.num_layers': 1,
    'model.head.denoiser.num_heads': 2,
}
FRAME_OPTIONS = {
    'model.backbone.hid_dim': 16, 'model.backbone.num_layers': 1,
    'model.backbone.num_heads': 2, 'model.head.gmm.path': None,
    **DIFFPOSE_HEAD
}
VIDEO_OPTIONS = {
    'model.backbone.num_frames': 5, 'model.backbone.embed_dim': 16,
    'model.backbone.depth': 1, 'model.backbone.num_heads': 2,
    **DIFFPOSE_HEAD
}


def tiny_config(path, options):
    """The real config, shrunk; pretrained-weight pointers (used only by
    training's init_weights) removed so the test needs no work_dirs."""
    cfg = Config.fromfile(str(path))
    cfg.merge_from_dict(options)
    for part in (cfg.model, cfg.model.get('backbone'), cfg.model.get('head')):
        if part is not None:
            for key in ('init_cfg', 'backbone_checkpoint', 'head_checkpoint'):
                part.pop(key, None)
    return cfg


def save_random(cfg, path, seed=0, edit=None):
    torch.manual_seed(seed)
    model = init_lifter(cfg, device='cpu')
    state = model.state_dict()
    if edit:
        edit(state)
    torch.save({'state_dict': state}, path)
    return str(path)


def write_clusters(path, clusters, counts=None):
    arrays = dict(clusters=np.asarray(clusters, np.float32))
    if counts is not None:
        arrays['counts'] = np.asarray(counts)
    np.savez(path, **arrays)
    return str(path)


def track(n, seed=0, k=17, image=IMAGE):
    """(n, k, 2) px around the image centre, (n, k) scores in [0.3, 1]:
    for k = 17 the standing Human3.6M-17 POSE seen from 4 m (f = 1000 px),
    jittered by 15 px, else random points."""
    rng = np.random.default_rng(seed)
    w, h = image
    if k != 17:
        kp = np.array([w / 2, h / 2]) + rng.normal(0, 60, (n, k, 2))
    else:
        pose = POSE[:, :2] / (POSE[:, 2:] + 4.) * 1000.
        kp = np.array([w / 2, h / 2]) + pose + rng.normal(0, 15, (n, k, 2))
    return kp, rng.uniform(0.3, 1., (n, k))


def coco_track(n, seed=0):
    """:func:`track`'s person as COCO-17: its body joints, and a face
    (nose, eyes, ears: 2-19 px apart) on its head."""
    kp, sc = track(n, seed)
    head = kp[:, 9:10] + [[[0, -4], [-8, -12], [8, -12], [-19, -8],
                           [19, -8]]]
    coco = np.concatenate([head, kp[:, [11, 14, 12, 15, 13, 16, 4, 1, 5, 2,
                                        6, 3]]], 1)
    return coco, sc


@pytest.fixture(scope='module')
def work(tmp_path_factory):
    return tmp_path_factory.mktemp('lift')


@pytest.fixture(scope='module')
def zedo(work):
    c = np.stack([POSE, POSE * 1.1]) + 0.2  # not root-relative on purpose
    clusters = write_clusters(work / 'clusters.npz', c, counts=[1, 3])
    cfg = tiny_config(ZEDO_CFG, zedo_options(clusters))
    ckpt = save_random(cfg, work / 'zedo.pth')
    return init_lifter(cfg, ckpt, device='cpu')


@pytest.fixture(scope='module')
def frame_model(work):
    cfg = tiny_config(FRAME_CFG, FRAME_OPTIONS)
    return init_lifter(cfg, save_random(cfg, work / 'frame.pth', 1), 'cpu')


@pytest.fixture(scope='module')
def video_model(work):
    cfg = tiny_config(VIDEO_CFG, VIDEO_OPTIONS)
    return init_lifter(cfg, save_random(cfg, work / 'video.pth', 2), 'cpu')


def spy(model, monkeypatch):
    """Record (inputs, data_samples) of every predict call."""
    calls = []
    original = model.predict

    def predict(inputs, data_samples):
        calls.append((inputs.clone(), data_samples))
        return original(inputs, data_samples)

    monkeypatch.setattr(model, 'predict', predict)
    return calls


# ---- windows ---------------------------------------------------------------
def test_video_windows_hand_computed():
    index, owner, offset = video_windows(12, 5)
    np.testing.assert_array_equal(
        index, [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9], [7, 8, 9, 10, 11]])
    np.testing.assert_array_equal(owner, [0] * 5 + [1] * 5 + [2] * 2)
    np.testing.assert_array_equal(offset, [0, 1, 2, 3, 4] * 2 + [3, 4])
    index, owner, offset = video_windows(3, 5)  # padded by the last frame
    np.testing.assert_array_equal(index, [[0, 1, 2, 2, 2]])
    np.testing.assert_array_equal(offset, [0, 1, 2])
    index, owner, _ = video_windows(10, 5)  # exact: no re-anchoring
    np.testing.assert_array_equal(index, [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]])
    index, owner, offset = video_windows(4, 1)  # frame models
    np.testing.assert_array_equal(index[:, 0], np.arange(4))
    for n, t in ((1, 1), (12, 5), (27, 27), (28, 27), (100, 27), (5, 9)):
        index, owner, offset = video_windows(n, t)
        np.testing.assert_array_equal(index[owner, offset], np.arange(n))
        assert len(index) == -(-n // t)
    with pytest.raises(ValueError):
        video_windows(0, 5)


# ---- init_lifter -----------------------------------------------------------
def test_init_lifter_loads_weights_strictly(work, zedo):
    cfg = zedo.cfg
    assert not zedo.training
    assert 'model' in cfg and cfg.model.head.denoiser.hidden_dim == 64
    saved = torch.load(work / 'zedo.pth')['state_dict']
    for key, value in zedo.state_dict().items():
        torch.testing.assert_close(value, saved[key], rtol=0, atol=0)
    # fp16 checkpoint: loading casts to the model's float32
    half = {k: v.half() if v.is_floating_point() else v
            for k, v in saved.items()}
    torch.save({'state_dict': half}, work / 'zedo_fp16.pth')
    m16 = init_lifter(cfg, str(work / 'zedo_fp16.pth'), 'cpu')
    w = m16.head.denoiser.post_dense.weight
    assert w.dtype == torch.float32
    torch.testing.assert_close(w, saved['head.denoiser.post_dense.weight']
                               .half().float(), rtol=0, atol=0)
    # a missing key is refused (strict), naming the file
    del half['head.denoiser.post_dense.bias']
    torch.save({'state_dict': half}, work / 'zedo_bad.pth')
    with pytest.raises(ValueError, match='zedo_bad.pth.*post_dense.bias'):
        init_lifter(cfg, str(work / 'zedo_bad.pth'), 'cpu')
    with pytest.raises(ValueError, match='does not exist'):
        init_lifter(cfg, str(work / 'absent.pth'), 'cpu')


# ---- outputs ---------------------------------------------------------------
def check_result(out, n, spread=True):
    assert out['keypoint_format'] == 'h36m'
    assert out['keypoints_3d'].shape == (n, 17, 3)
    assert np.isfinite(out['keypoints_3d']).all()
    if spread:
        assert out['keypoint_spread'].shape == (n, 17)
        assert np.isfinite(out['keypoint_spread']).all()
    else:  # one hypothesis: no spread, not zeros
        assert out['keypoint_spread'] is None
    assert (out['keypoints_3d'][:, 0] == 0).all()
    assert np.abs(out['keypoints_3d']).max() > 0.01  # not all zeros
    assert out['keypoints_2d'].shape == (n, 17, 2)
    assert out['keypoint_scores'].shape == (n, 17)


def same_result(a, b):
    """Equal lifting outputs (the input-format fields aside)."""
    assert set(a) == set(b)
    for key in a:
        if not key.startswith('input_format'):
            np.testing.assert_array_equal(a[key], b[key], err_msg=key)


def test_zedo_outputs_and_inputs(zedo, monkeypatch):
    calls = spy(zedo, monkeypatch)
    kp, sc = track(6)
    f, c = (900., 910.), (480., 420.)
    out = lift_keypoints(kp, sc, zedo, intrinsics=dict(f=f, c=c),
                         batch_size=4)
    check_result(out, 6)
    assert out['translation'].shape == (6, 3)
    assert (out['translation'][:, 2] > 0).all()
    assert (out['keypoint_spread'] > 0).any()  # 2 hypotheses
    assert [len(ds) for _, ds in calls] == [4, 2]  # batch_size poses
    inputs = torch.cat([x for x, _ in calls])  # (6, 1, 17, 2) pixels
    np.testing.assert_allclose(inputs[:, 0].numpy(), kp, rtol=0, atol=1e-4)
    samples = [ds for _, batch in calls for ds in batch]
    vis = np.stack([np.asarray(ds.gt_instances.keypoints_visible)[0]
                    for ds in samples])
    np.testing.assert_allclose(vis, sc, rtol=0, atol=1e-6)
    cam = samples[0].metainfo['camera_param']
    np.testing.assert_allclose(np.ravel(cam['f']), f)
    np.testing.assert_allclose(np.ravel(cam['c']), c)
    # a 3x3 K gives the same result as the dict
    K = np.array([[f[0], 0, c[0]], [0, f[1], c[1]], [0, 0, 1]])
    out_k = lift_keypoints(kp, sc, zedo, intrinsics=K)
    np.testing.assert_array_equal(out_k['keypoints_3d'], out['keypoints_3d'])
    # image size only: pinhole, f = diagonal, c = centre
    calls.clear()
    with pytest.warns(UserWarning, match='pinhole'):
        zedo._warned_focal = False
        out_wh = lift_keypoints(kp, sc, zedo, image_size=IMAGE)
    check_result(out_wh, 6)
    assert calls[0][1][0].metainfo['camera_param'] == dict(w=1000, h=800)


def test_diffpose_frame_inputs_are_screen_normalised(frame_model,
                                                     monkeypatch):
    calls = spy(frame_model, monkeypatch)
    kp, sc = track(5)
    out = lift_keypoints(kp, sc, frame_model, image_size=IMAGE,
                         keypoint_format='h36m')
    check_result(out, 5, spread=False)
    assert 'translation' not in out
    inputs = torch.cat([x for x, _ in calls])[:, 0].numpy()
    w, h = IMAGE
    expected = np.stack([2 * kp[..., 0] / w - 1, 2 * kp[..., 1] / w - h / w],
                        -1)
    np.testing.assert_allclose(inputs, expected, rtol=0, atol=1e-6)
    # a model left in training mode is run in eval mode (no dropout), and
    # its mode is restored
    frame_model.train()
    try:
        again = lift_keypoints(kp, sc, frame_model, image_size=IMAGE)
        assert frame_model.training
    finally:
        frame_model.eval()
    np.testing.assert_array_equal(again['keypoints_3d'], out['keypoints_3d'])


@pytest.mark.parametrize('which', ['frame', 'zedo'])
def test_coco_and_halpe_inputs_equal_manual_conversion(which, zedo,
                                                       frame_model):
    model = zedo if which == 'zedo' else frame_model
    cam = dict(image_size=IMAGE)
    kp, sc = coco_track(4, seed=3)
    h36m, h36m_sc = convert_keypoints(kp, sc, src='coco')
    direct = lift_keypoints(h36m, h36m_sc, model, **cam)
    assert direct['input_format'] == 'h36m'  # detected
    coco = lift_keypoints(kp, sc, model, keypoint_format='coco', **cam)
    same_result(coco, direct)
    assert (coco['input_format'], coco['input_format_reason']) == \
        ('coco', 'given')
    # 'auto' tells the 17-joint layouts apart by their geometry
    auto = lift_keypoints(kp, sc, model, **cam)
    same_result(auto, coco)
    assert auto['input_format'] == 'coco'
    assert auto['input_format_reason'] == (
        'detected: 4 of 4 frames look like COCO-17, 0 like Human3.6M-17, '
        '0 undecided')
    as_h36m = lift_keypoints(kp, sc, model, keypoint_format='h36m', **cam)
    assert not np.allclose(as_h36m['keypoints_3d'], coco['keypoints_3d'])
    kp26, sc26 = track(4, seed=4, k=26)
    h36m, h36m_sc = convert_keypoints(kp26, sc26, src='halpe26')
    direct = lift_keypoints(h36m, h36m_sc, model, **cam)
    halpe = lift_keypoints(kp26, sc26, model, **cam)  # auto: 26 joints
    same_result(halpe, direct)
    assert halpe['input_format'] == 'halpe26'


def test_undecidable_17_joints_are_refused(frame_model):
    """No silent guess: without joints 2 and 3 the layouts cannot be told
    apart; the message says how to name the format."""
    kp, sc = track(3)
    sc[:, 2:4] = 0.
    with pytest.raises(ValueError, match=r"COCO-17 or Human3.6M-17.*"
                       r"keypoint_format='coco' or 'h36m'.*--format "
                       r"coco\|h36m"):
        lift_keypoints(kp, sc, frame_model, image_size=IMAGE)
    out = lift_keypoints(kp, sc, frame_model, image_size=IMAGE,
                         keypoint_format='h36m')
    check_result(out, 3, spread=False)


def test_video_windows_cover_every_frame_once(video_model, monkeypatch):
    calls = spy(video_model, monkeypatch)
    kp, sc = track(12, seed=5)
    full = lift_keypoints(kp, sc, video_model, image_size=IMAGE)
    check_result(full, 12, spread=False)
    inputs = torch.cat([x for x, _ in calls])
    assert inputs.shape == (3, 5, 17, 2)  # windows 0-4, 5-9, 7-11
    w, h = IMAGE
    np.testing.assert_allclose(inputs[2, :, 0, 0].numpy(),
                               2 * kp[7:12, 0, 0] / w - 1, atol=1e-6)
    kp3 = full['keypoints_3d']
    part = {s: lift_keypoints(kp[s:s + 5], sc[s:s + 5], video_model,
                              image_size=IMAGE)['keypoints_3d']
            for s in (0, 5, 7)}
    np.testing.assert_allclose(kp3[:5], part[0], rtol=0, atol=1e-6)
    np.testing.assert_allclose(kp3[5:10], part[5], rtol=0, atol=1e-6)
    # the re-anchored last window gives frames 10, 11 (its last two)
    np.testing.assert_allclose(kp3[10:], part[7][3:], rtol=0, atol=1e-6)
    assert not np.allclose(kp3[8:10], part[7][1:3], atol=1e-6)
    # batches of one window give the same
    one = lift_keypoints(kp, sc, video_model, image_size=IMAGE,
                         batch_size=5)['keypoints_3d']
    np.testing.assert_allclose(one, kp3, rtol=0, atol=1e-6)
    # N < T: one window padded with the last frame
    short = lift_keypoints(kp[:3], sc[:3], video_model, image_size=IMAGE)
    check_result(short, 3, spread=False)
    padded = lift_keypoints(kp[[0, 1, 2, 2, 2]], sc[[0, 1, 2, 2, 2]],
                            video_model, image_size=IMAGE)['keypoints_3d']
    np.testing.assert_allclose(short['keypoints_3d'], padded[:3], rtol=0,
                               atol=1e-6)


# ---- errors ----------------------------------------------------------------
def test_bad_keypoints_name_the_frames(frame_model):
    kp, sc = track(8)
    cam = dict(image_size=IMAGE)
    bad = kp.copy()
    bad[2, 3, 0] = np.nan  # NaN is a missing joint, inf an error
    bad[5, 0, 1] = np.inf
    bad[7, 2, 1] = -np.inf
    with pytest.raises(ValueError, match=r'keypoints: infinite .*\[5, 7\]'):
        lift_keypoints(bad, sc, frame_model, **cam)
    bad_sc = sc.copy()
    bad_sc[6, 1] = np.inf
    with pytest.raises(ValueError, match=r'scores: values outside .*\[6\]'):
        lift_keypoints(kp, bad_sc, frame_model, **cam)
    frames = [f.tolist() for f in kp]
    frames[4] = frames[4][:16]
    with pytest.raises(ValueError, match=r'frames \[4\] have shapes'):
        lift_keypoints(frames, None, frame_model, **cam)
    with pytest.raises(ValueError, match='18 joints'):
        lift_keypoints(track(3, k=18)[0], None, frame_model, **cam)
    with pytest.raises(ValueError, match="'coco' needs 17"):
        lift_keypoints(track(3, k=26)[0], None, frame_model,
                       keypoint_format='coco', **cam)
    with pytest.raises(ValueError, match='scores: expected shape'):
        lift_keypoints(kp, sc[:, :16], frame_model, **cam)
    with pytest.raises(ValueError, match=r'expected shape \(N, K, 2\)'):
        lift_keypoints(kp[..., :1], None, frame_model, **cam)
    with pytest.raises(ValueError, match='keypoint_format'):
        lift_keypoints(kp, sc, frame_model, keypoint_format='openpose',
                       **cam)


def test_missing_camera_information(zedo, frame_model, video_model):
    kp, sc = track(3)
    with pytest.raises(ValueError, match='needs the camera'):
        lift_keypoints(kp, sc, zedo)
    for model in (frame_model, video_model):
        with pytest.raises(ValueError, match='image_size'):
            lift_keypoints(kp, sc, model, intrinsics=dict(f=1000, c=(5, 5)))
    with pytest.raises(ValueError, match="'f' must be > 0"):
        lift_keypoints(kp, sc, zedo, intrinsics=dict(f=(-1, 1), c=(5, 5)))
    with pytest.raises(ValueError, match="missing.*'c'"):
        lift_keypoints(kp, sc, zedo, intrinsics=dict(f=(1, 1)))
    with pytest.raises(ValueError, match='image_size'):
        lift_keypoints(kp, sc, zedo, image_size=(0, 10))
    with pytest.raises(ValueError, match='model.*cfg'):
        lift_keypoints(kp, sc, torch.nn.Linear(2, 2), image_size=IMAGE)


# ---- real data ---------------------------------------------------------------
def test_real_h36m_intrinsics_and_pixels_reach_zedo(h36m_samples, tmp_path):
    """Start pose = the frame's GT, IPO off, one OIL step with a zero
    noise prediction: the LS translation through the real camera's rays
    puts the GT pose on them, so the lifted pose is GT (times 1 + beta/2N)
    and the translation is the GT root -- only if pixels, f, c and the
    distortion (k, p) flow unchanged through lift_keypoints."""
    d = np.load(h36m_samples / 'test_h36m_body3d.npz')
    with open(h36m_samples / 'cameras.pkl', 'rb') as f:
        cams = pickle.load(f)

    def zero_noise(state):
        for key in ('weight', 'bias'):
            state[f'head.denoiser.post_dense.{key}'].zero_()

    for i, name in enumerate(d['imgname']):
        subject, folder = str(name).split('/')[:2]
        cam = camera_from_pkl(cams, subject, folder.split('.')[1])
        gt = d['S'][i, :, :3]
        clusters = write_clusters(tmp_path / f'gt{i}.npz',
                                  (gt - gt[:1])[None])
        cfg = tiny_config(ZEDO_CFG, zedo_options(clusters, num=1, ipo=0,
                                                 oil=1))
        ckpt = save_random(cfg, tmp_path / f'gt{i}.pth', edit=zero_noise)
        model = init_lifter(cfg, ckpt, 'cpu')
        intr = {k: cam[k] for k in ('f', 'c', 'k', 'p')}
        uv, vis = d['part'][i:i + 1, :, :2], d['part'][i:i + 1, :, 2]
        out = lift_keypoints(uv, vis, model, intrinsics=intr)
        err_mm = np.abs(out['keypoints_3d'][0] - (gt - gt[:1])).max() * 1e3
        assert err_mm < 2., (name, err_mm)  # measured 0.7-0.9 mm
        t_err_mm = np.abs(out['translation'][0] - gt[0]).max() * 1e3
        assert t_err_mm < 2., (name, t_err_mm)  # measured < 0.05 mm
        # without k, p the rays are not undistorted: 2-6 cm off
        plain = {k: cam[k] for k in ('f', 'c')}
        out = lift_keypoints(uv, vis, model, intrinsics=plain)
        t_err_mm = np.abs(out['translation'][0] - gt[0]).max() * 1e3
        assert t_err_mm > 15., (name, t_err_mm)
        # 20 % longer focal length: the person is placed ~1 m deeper
        wrong = dict(intr, f=cam['f'] * 1.2)
        out = lift_keypoints(uv, vis, model, intrinsics=wrong)
        assert out['translation'][0, 2] - gt[0, 2] > 0.5, name
