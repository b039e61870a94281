"""tools/lift.py: npz / JSON / MMPose-inferencer inputs, the keypoint
format (named by the file, detected, or refused), the results file of
apis.output_schema and its rendering, and exit code 2 with a message naming
the problem on bad input."""
import importlib.util
import json
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config

from poselift_mm.apis.lift import init_lifter, lift_keypoints
from poselift_mm.apis.output_schema import read_results, track_arrays
from poselift_mm.geometry import H36M17_NAMES, convert_keypoints

REPO = Path(__file__).resolve().parents[2]
TOOL = REPO / 'tools' / 'lift.py'
ZEDO_CFG = REPO / 'configs/zedo/zedo_prior-mlp512_h36m-mocap_cpu.py'
IMAGE = (640, 480)


@pytest.fixture(autouse=True, scope='module')
def one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture(scope='module')
def tool():
    spec = importlib.util.spec_from_file_location('lift_tool', TOOL)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    """A tiny ZeDO of the real config with random weights: (cfg options as
    CLI strings, checkpoint path, the model)."""
    root = tmp_path_factory.mktemp('lift_tool')
    rng = np.random.default_rng(0)
    clusters = root / 'clusters.npz'
    np.savez(clusters, clusters=rng.normal(0, 0.3, (2, 17, 3)),
             counts=np.array([4, 1]))
    options = {
        'model.head.denoiser.hidden_dim': 64,
        'model.head.denoiser.embed_dim': 32,
        'model.head.denoiser.num_groups': 8,
        'model.test_cfg.ipo.iters': 5, 'model.test_cfg.oil.iters': 3,
        'model.test_cfg.oil.mode': 'original',
        'model.init_poses.file': str(clusters), 'model.init_poses.num': 2,
    }
    torch.manual_seed(0)
    model = init_lifter(Config.fromfile(str(ZEDO_CFG)), device='cpu',
                        cfg_options=options)
    ckpt = root / 'zedo.pth'
    torch.save({'state_dict': model.state_dict()}, ckpt)
    model = init_lifter(str(ZEDO_CFG), str(ckpt), 'cpu', options)
    cli = ['--cfg-options'] + [f'{k}={v}' for k, v in options.items()]
    return root, cli, str(ckpt), model


# standing Human3.6M-17 pose seen from 5 m by f = 600 px (px, y down)
H36M_2D = np.array(
    [[0, 0], [-16, 0], [-17, 52], [-17, 96], [16, 0], [17, 54], [18, 98],
     [0, -28], [0, -58], [0, -70], [0, -82], [19, -54], [36, -30],
     [42, -2], [-19, -54], [-36, -30], [-40, -4]], np.float64)


def track(n, k=17, seed=0):
    """(n, k, 2) px: 17 joints the pose above, jittered by 3 px (other k:
    random points) and (n, k) scores in [0.3, 1]."""
    rng = np.random.default_rng(seed)
    base = H36M_2D if k == 17 else rng.normal(0, 40, (k, 2))
    kp = np.array(IMAGE) / 2 + base + rng.normal(0, 3, (n, k, 2))
    return kp, rng.uniform(0.3, 1., (n, k))


def coco_track(n, seed=0):
    """The same person as COCO-17: body joints, a face on the head."""
    kp, sc = track(n, seed=seed)
    face = kp[:, 9:10] + [[[0, -1], [-2, -3], [2, -3], [-5, -2], [5, -2]]]
    return np.concatenate([face, kp[:, [11, 14, 12, 15, 13, 16, 4, 1, 5, 2,
                                        6, 3]]], 1), sc


def results(path):
    meta, frames = read_results(str(path))
    return meta, frames, track_arrays(frames)


def run(tool, setup, inp, out, *extra, consistency=False):
    """The tool on the tiny ZeDO; per frame (as lift_keypoints) unless
    ``consistency``."""
    root, cli, ckpt, _ = setup
    flags = [] if consistency else ['--no-consistency']
    return tool.main([str(inp), str(ZEDO_CFG), ckpt, '--out', str(out),
                      *flags, *extra, *cli])


def test_npz_input(tool, setup, tmp_path, capsys):
    kp, sc = track(5)
    inp = tmp_path / 'track.npz'
    np.savez(inp, keypoints=kp, scores=sc)
    out = tmp_path / 'res' / 'out.json'
    assert run(tool, setup, inp, out, '--image-size', *map(str, IMAGE)) == 0
    log = capsys.readouterr().out
    for stage in ('read', 'model ZeDOLifter', 'keypoint format h36m '
                  '(detected: 0 of 5 frames look like COCO-17, 5 like '
                  'Human3.6M-17', 'lifted 5 poses in 5 frames', 'wrote'):
        assert stage in log
    meta, frames, tracks = results(out)
    assert meta['schema'] == 'poselift_mm.pose3d'
    assert meta['schema_version'] == 1
    assert meta['coordinate_frame'] == 'camera'
    assert meta['keypoint_format'] == 'h36m' and meta['units'] == 'metres'
    assert meta['joint_names'] == list(H36M17_NAMES)
    assert meta['input_format'] == 'h36m'
    assert meta['model']['type'] == 'ZeDOLifter'
    assert meta['model']['checkpoint'] == setup[2]
    assert meta['image_size'] == list(IMAGE) and meta['fps'] is None
    assert 'deprecated' not in meta
    assert [f['frame_id'] for f in frames] == list(range(5))
    assert set(frames[0]['instances'][0]) == {
        'track_id', 'keypoints', 'keypoint_scores', 'keypoint_spread',
        'keypoints_2d', 'translation', 'bbox'}
    t = tracks[0]
    kp3 = t['keypoints']
    assert kp3.shape == (5, 17, 3) and (kp3[:, 0] == 0).all()
    assert t['keypoint_spread'].shape == (5, 17)  # 2 hypotheses
    assert t['translation'].shape == (5, 3)
    np.testing.assert_allclose(t['keypoints_2d'], kp, atol=1e-6)
    np.testing.assert_allclose(t['keypoint_scores'], sc, atol=1e-6)
    direct = lift_keypoints(kp, sc, setup[3], image_size=IMAGE)
    np.testing.assert_allclose(kp3, direct['keypoints_3d'], rtol=0,
                               atol=2e-6)
    # intrinsics flag: same as the API with dict(f, c)
    out2 = tmp_path / 'out2.json'
    assert run(tool, setup, inp, out2, '--intrinsics', '500', '510', '320',
               '240', '--fps', '30') == 0
    meta, _, tracks = results(out2)
    assert meta['fps'] == 30. and meta['image_size'] is None
    assert meta['intrinsics'] == dict(f=[500., 510.], c=[320., 240.])
    direct = lift_keypoints(kp, sc, setup[3], intrinsics=dict(
        f=(500, 510), c=(320, 240)))
    np.testing.assert_allclose(tracks[0]['translation'],
                               direct['translation'], rtol=0, atol=2e-6)


@pytest.mark.parametrize('layout', ['video', 'lists', 'plain', 'demo'])
def test_inferencer_json_coco(tool, setup, tmp_path, layout, capsys):
    """MMPose predictions (COCO-17, two tracked people): the format is
    detected from the geometry, or read from MMPose's meta_info; each
    person is lifted as its own track."""
    kp, sc = coco_track(4, seed=1)
    other = kp + 100.
    frames = [[dict(keypoints=kp[i].tolist(),
                    keypoint_scores=sc[i].tolist(), bbox=[[0, 0, 9, 9]],
                    track_id=3),
               dict(keypoints=other[i].tolist(),
                    keypoint_scores=sc[i].tolist(), track_id=4)]
              for i in range(4)]
    if layout == 'video':
        data = [dict(frame_id=i, instances=f) for i, f in enumerate(frames)]
    elif layout == 'lists':
        data = frames
    elif layout == 'demo':  # MMPose's demo scripts: frame ids from 1
        data = dict(meta_info=dict(dataset_name='coco', num_keypoints=17),
                    instance_info=[dict(frame_id=i + 1, instances=f)
                                   for i, f in enumerate(frames)])
    else:
        data = dict(keypoints=kp.tolist(), scores=sc.tolist())
    inp = tmp_path / 'pred.json'
    inp.write_text(json.dumps(data))
    out = tmp_path / 'out.json'
    assert run(tool, setup, inp, out, '--image-size', *map(str, IMAGE)) == 0
    log = capsys.readouterr().out
    if layout == 'demo':
        assert "keypoint format coco (the file names dataset 'coco')" in log
    else:
        assert 'keypoint format coco (detected: 4 of 4 frames' in log
    meta, frames_out, tracks = results(out)
    assert meta['input_format'] == 'coco'
    tid = 0 if layout == 'plain' else 3
    assert sorted(tracks) == ([0] if layout == 'plain' else [3, 4])
    ids = [f['frame_id'] for f in frames_out]
    assert ids == ([1, 2, 3, 4] if layout == 'demo' else [0, 1, 2, 3])
    h36m, h36m_sc = convert_keypoints(kp, sc, src='coco')
    direct = lift_keypoints(h36m, h36m_sc, setup[3], image_size=IMAGE)
    np.testing.assert_allclose(tracks[tid]['keypoints'],
                               direct['keypoints_3d'], rtol=0, atol=2e-6)
    np.testing.assert_allclose(tracks[tid]['keypoints_2d'], h36m,
                               atol=1e-6)
    # the same with --format coco given; --format h36m is warned about
    out2 = tmp_path / 'out2.json'
    assert run(tool, setup, inp, out2, '--image-size', *map(str, IMAGE),
               '--format', 'coco') == 0
    np.testing.assert_allclose(results(out2)[2][tid]['keypoints'],
                               direct['keypoints_3d'], rtol=0, atol=2e-6)
    assert 'warning' not in capsys.readouterr().out
    assert run(tool, setup, inp, out2, '--image-size', *map(str, IMAGE),
               '--format', 'h36m') == 0
    assert 'warning' in capsys.readouterr().out


def test_undecidable_format_asks_for_it(tool, setup, tmp_path, capsys):
    """17 joints whose layout the geometry cannot tell (joints 2 and 3
    never seen): exit 2 naming --format; with it, the lift runs."""
    kp, sc = track(3)
    sc[:, 2:4] = 0.
    inp = tmp_path / 'unsure.npz'
    np.savez(inp, keypoints=kp, scores=sc)
    out = tmp_path / 'out.json'
    assert run(tool, setup, inp, out, '--image-size', '640', '480') == 2
    err = capsys.readouterr().err
    assert 'error: ' in err and 'unsure.npz' in err
    assert 'COCO-17 or Human3.6M-17' in err
    assert 'give it with --format coco|h36m' in err
    assert not out.exists()
    assert run(tool, setup, inp, out, '--image-size', '640', '480',
               '--format', 'h36m') == 0
    # a dataset the file names but that cannot be lifted
    np.savez(inp, keypoints=kp, scores=sc, dataset_name='crowdpose')
    assert run(tool, setup, inp, out, '--image-size', '640', '480') == 2
    assert "dataset 'crowdpose'" in capsys.readouterr().err


@pytest.mark.parametrize('ext', ['.gif', '.mp4'])
def test_render(tool, setup, tmp_path, ext, capsys):
    """--render: one animation frame per input frame, the results file
    written as without it."""
    import cv2
    from PIL import Image
    kp, sc = track(3)
    inp = tmp_path / 'track.npz'
    np.savez(inp, keypoints=kp, scores=sc)
    out, anim = tmp_path / 'out.json', tmp_path / f'anim{ext}'
    assert run(tool, setup, inp, out, '--image-size', *map(str, IMAGE),
               '--render', str(anim), '--fps', '10') == 0
    log = capsys.readouterr().out
    written = anim if ext == '.gif' or 'no working mp4' not in log else \
        anim.with_suffix('.gif')
    assert f'rendered {written}' in log and written.stat().st_size > 0
    if written.suffix == '.gif':
        with Image.open(written) as gif:
            assert gif.n_frames == 3 and gif.info['duration'] == 100
            assert gif.size == (800, 400)
    else:
        cap = cv2.VideoCapture(str(written))
        n = 0
        while cap.read()[0]:
            n += 1
        assert n == 3
    assert read_results(str(out))[0]['fps'] == 10.
    assert not list(tmp_path.glob('.*'))  # no temporary files left


def bad_inputs(tmp_path):
    kp, sc = track(4)
    inf = kp.copy()
    inf[3, 0, 0] = np.inf  # (NaN is a missing joint, inf an error)
    np.savez(tmp_path / 'inf.npz', keypoints=inf)
    np.savez(tmp_path / 'nokey.npz', points=kp)
    np.savez(tmp_path / 'joints18.npz', keypoints=track(3, k=18)[0])
    frames = [[dict(keypoints=kp[i].tolist(),
                    keypoint_scores=sc[i].tolist())] for i in range(4)]
    frames[2] = []
    (tmp_path / 'empty_frame.json').write_text(json.dumps(frames))
    frames[2] = [dict(keypoints=kp[2, :10].tolist(),
                      keypoint_scores=sc[2, :10].tolist())]
    (tmp_path / 'ragged.json').write_text(json.dumps(frames))
    (tmp_path / 'broken.json').write_text('{"keypoints": [[[1, 2]')
    (tmp_path / 'deep.json').write_text('[' * 100000 + ']' * 100000)
    (tmp_path / 'no_person.json').write_text('[[], {"instances": []}]')
    inst = dict(keypoints=kp[0].tolist(), track_id=3)
    (tmp_path / 'same_track.json').write_text(json.dumps([[inst, inst]]))
    (tmp_path / 'track.csv').write_text('1,2\n')
    return {
        'inf.npz': r'infinite values in frames \[3\]',
        'nokey.npz': "key 'keypoints'",
        'joints18.npz': '18 joints',
        'no_person.json': 'no person in any of its 2 frames',
        'same_track.json': 'frame 0 has two instances with the same',
        'ragged.json': r'frames \[2\] have shapes',
        'broken.json': 'cannot read the JSON',
        'deep.json': 'cannot read the JSON',
        'track.csv': 'unsupported input',
        'absent.npz': 'does not exist',
    }


def test_bad_input_exits_2(tool, setup, tmp_path, capsys):
    for name, message in bad_inputs(tmp_path).items():
        out = tmp_path / f'{name}.out.json'
        code = run(tool, setup, tmp_path / name, out, '--image-size', '640',
                   '480')
        err = [line for line in capsys.readouterr().err.splitlines()
               if line.startswith('error: ')]
        assert code == 2, name
        assert len(err) == 1 and name in err[0], (name, err)
        assert re.search(message, err[0]), (name, err)
        assert not out.exists()
    # no camera information for ZeDO
    np.savez(tmp_path / 'ok.npz', keypoints=track(2)[0])
    assert run(tool, setup, tmp_path / 'ok.npz', tmp_path / 'x.json') == 2
    assert 'needs the camera' in capsys.readouterr().err
    # a checkpoint of another model
    torch.save({'state_dict': {'x': torch.zeros(1)}}, tmp_path / 'bad.pth')
    root, cli, _, _ = setup
    code = tool.main([str(tmp_path / 'ok.npz'), str(ZEDO_CFG),
                      str(tmp_path / 'bad.pth'), '--out',
                      str(tmp_path / 'x.json'), '--image-size', '640', '480',
                      *cli])
    assert code == 2
    assert 'bad.pth' in capsys.readouterr().err
    assert not (tmp_path / 'x.json').exists()


def test_released_model_from_another_directory(tool, tmp_path, monkeypatch,
                                               h36m_samples):
    """Absolute config and checkpoint paths, run from an unrelated folder:
    the config's start-pose file is found (not read from the cwd)."""
    ckpt = sorted(REPO.glob('checkpoints/zedo/'
                            'zedo_prior-mlp512_h36m-mocap_cpu-*.pth'))
    if not ckpt:
        pytest.skip('no committed ZeDO checkpoint')
    d = np.load(h36m_samples / 'test_h36m_body3d.npz')
    np.savez(tmp_path / 'kp.npz', keypoints=d['part'][..., :2],
             scores=d['part'][..., 2])
    monkeypatch.chdir(tmp_path)
    # MMPose's samples are frames of different videos, not one track
    assert tool.main(['kp.npz', str(ZEDO_CFG), str(ckpt[-1]), '--out',
                      'out.json', '--image-size', '1000', '1002',
                      '--no-consistency']) == 0
    meta, _, tracks = results(tmp_path / 'out.json')
    assert meta['input_format'] == 'h36m'
    gt = d['S'][..., :3] - d['S'][:, :1, :3]
    err_mm = np.linalg.norm(tracks[0]['keypoints'] - gt, axis=-1).mean()
    assert err_mm * 1000 < 150, err_mm


def test_empty_frame_gives_empty_entry(tool, setup, tmp_path):
    kp, sc = track(4)
    frames = [[dict(keypoints=kp[i].tolist(),
                    keypoint_scores=sc[i].tolist())] for i in range(4)]
    frames[2] = []
    (tmp_path / 'gap.json').write_text(json.dumps(frames))
    out = tmp_path / 'gap.out.json'
    assert run(tool, setup, tmp_path / 'gap.json', out, '--image-size',
               *map(str, IMAGE)) == 0
    got = read_results(str(out))[1]
    assert [len(f['instances']) for f in got] == [1, 1, 0, 1]


def two_people(n, order_seed=0):
    """Two people 400 px apart (left: track 0, right: track 1), listed in
    a random order in each frame."""
    kp, sc = track(n)
    rng = np.random.default_rng(order_seed)
    frames = []
    for i in range(n):
        people = [dict(keypoints=(kp[i] + [-200, 0]).tolist(),
                       keypoint_scores=sc[i].tolist()),
                  dict(keypoints=(kp[i] + [200, 0]).tolist(),
                       keypoint_scores=sc[i].tolist())]
        frames.append(people[::-1] if rng.random() < 0.5 else people)
    return frames


@pytest.mark.parametrize('with_ids', [False, True])
def test_multi_person_tracks_are_not_mixed(tool, setup, tmp_path, with_ids):
    frames = two_people(6)
    if with_ids:
        for people in frames:
            for p in people:
                p['track_id'] = 7 if p['keypoints'][0][0] < IMAGE[0] / 2 \
                    else 9
    (tmp_path / 'two.json').write_text(json.dumps(frames))
    out = tmp_path / 'two.out.json'
    assert run(tool, setup, tmp_path / 'two.json', out, '--image-size',
               *map(str, IMAGE)) == 0
    got = read_results(str(out))[1]
    assert all(len(f['instances']) == 2 for f in got)
    side = {}  # track id -> the side of the image its 2D is on, every frame
    for f in got:
        for inst in f['instances']:
            x = np.asarray(inst['keypoints_2d'])[:, 0].mean()
            side.setdefault(inst['track_id'], set()).add(x < IMAGE[0] / 2)
    assert len(side) == 2 and all(len(v) == 1 for v in side.values())
    if with_ids:
        assert sorted(side) == [7, 9]


def test_out_equal_to_input_is_refused(tool, setup, tmp_path, capsys):
    kp, sc = track(3)
    inp = tmp_path / 'in.json'
    inp.write_text(json.dumps(dict(keypoints=kp.tolist())))
    before = inp.read_text()
    assert run(tool, setup, inp, inp, '--image-size', *map(str, IMAGE)) == 2
    assert '--out is the input file' in capsys.readouterr().err
    assert inp.read_text() == before


def test_tracks_keep_their_bone_lengths(tool, setup, tmp_path):
    """By default a track's bones keep their length within 5 % of its
    median over time and the poses stay close to the per-frame ones."""
    from poselift_mm.geometry.temporal import bone_lengths, limb_length_cv
    kp, sc = track(12)
    inp = tmp_path / 'track.npz'
    np.savez(inp, keypoints=kp, scores=sc)
    got = {}
    for flag in (False, True):
        out = tmp_path / f'{flag}.json'
        assert run(tool, setup, inp, out, '--image-size', *map(str, IMAGE),
                   '--fps', '50', consistency=flag) == 0
        got[flag] = results(out)[2][0]
        assert results(out)[0]['temporal_consistency'] == (
            dict(window=5, bone_tolerance=0.05) if flag else None)
    per_frame, held = got[False]['keypoints'], got[True]['keypoints']
    b = bone_lengths(held)[:, 1:]
    ratio = b / np.median(b, 0)
    assert np.abs(ratio - 1).max() < 0.05 + 1e-3  # 6 decimals in the JSON
    assert limb_length_cv(per_frame).max() > 0.06  # random weights: it was
    assert np.abs(held - per_frame).mean() < np.abs(per_frame).mean()
