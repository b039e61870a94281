"""tools/lift.py: npz / JSON / MMPose-inferencer inputs, the output JSON,
and exit code 2 with a message naming the problem on bad input."""
import importlib.util
import json
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config

from poselift_mm.apis.lift import init_lifter, lift_keypoints
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


def track(n, k=17, seed=0):
    rng = np.random.default_rng(seed)
    kp = np.array(IMAGE) / 2 + rng.normal(0, 40, (n, k, 2))
    return kp, rng.uniform(0.3, 1., (n, k))


def run(tool, setup, inp, out, *extra):
    root, cli, ckpt, _ = setup
    return tool.main([str(inp), str(ZEDO_CFG), ckpt, '--out', str(out),
                      *extra, *cli])


def test_npz_input(tool, setup, tmp_path, capsys):
    kp, sc = track(5)
    inp = tmp_path / 'track.npz'
    np.savez(inp, keypoints=kp, scores=sc)
    out = tmp_path / 'res' / 'out.json'
    assert run(tool, setup, inp, out, '--image-size', *map(str, IMAGE)) == 0
    log = capsys.readouterr().out
    for stage in ('read', 'model ZeDOLifter', 'lifted 5 frames', 'wrote'):
        assert stage in log
    res = json.loads(out.read_text())
    assert res['keypoint_format'] == 'h36m' and res['units'] == 'metres'
    assert res['joint_names'] == list(H36M17_NAMES)
    assert [f['frame'] for f in res['frames']] == list(range(5))
    kp3 = np.array([f['keypoints_3d'] for f in res['frames']])
    assert kp3.shape == (5, 17, 3) and (kp3[:, 0] == 0).all()
    assert np.array([f['keypoint_spread'] for f in res['frames']]).shape \
        == (5, 17)
    assert len(res['frames'][0]['translation']) == 3
    direct = lift_keypoints(kp, sc, setup[3], image_size=IMAGE)
    np.testing.assert_allclose(kp3, direct['keypoints_3d'], rtol=0,
                               atol=2e-6)
    # intrinsics flag: same as the API with dict(f, c)
    out2 = tmp_path / 'out2.json'
    assert run(tool, setup, inp, out2, '--intrinsics', '500', '510', '320',
               '240') == 0
    res = json.loads(out2.read_text())
    direct = lift_keypoints(kp, sc, setup[3], intrinsics=dict(
        f=(500, 510), c=(320, 240)))
    np.testing.assert_allclose(
        [f['translation'] for f in res['frames']], direct['translation'],
        rtol=0, atol=2e-6)


@pytest.mark.parametrize('layout', ['video', 'lists', 'plain'])
def test_inferencer_json_coco(tool, setup, tmp_path, layout):
    """MMPose inferencer predictions (COCO-17, first instance per frame)."""
    kp, sc = track(4, seed=1)
    other = kp + 100.
    frames = [[dict(keypoints=kp[i].tolist(),
                    keypoint_scores=sc[i].tolist(), bbox=[[0, 0, 9, 9]]),
               dict(keypoints=other[i].tolist(),
                    keypoint_scores=sc[i].tolist())] for i in range(4)]
    if layout == 'video':
        data = [dict(frame_id=i, instances=f) for i, f in enumerate(frames)]
    elif layout == 'lists':
        data = frames
    else:
        data = dict(keypoints=kp.tolist(), scores=sc.tolist())
    inp = tmp_path / 'pred.json'
    inp.write_text(json.dumps(data))
    out = tmp_path / 'out.json'
    assert run(tool, setup, inp, out, '--image-size', *map(str, IMAGE),
               '--format', 'coco') == 0
    kp3 = np.array([f['keypoints_3d']
                    for f in json.loads(out.read_text())['frames']])
    h36m, h36m_sc = convert_keypoints(kp, sc, src='coco')
    direct = lift_keypoints(h36m, h36m_sc, setup[3], image_size=IMAGE)
    np.testing.assert_allclose(kp3, direct['keypoints_3d'], rtol=0,
                               atol=2e-6)


def bad_inputs(tmp_path):
    kp, sc = track(4)
    nan = kp.copy()
    nan[3, 0, 0] = np.nan
    np.savez(tmp_path / 'nan.npz', keypoints=nan)
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
    (tmp_path / 'track.csv').write_text('1,2\n')
    return {
        'nan.npz': r'frames \[3\]',
        'nokey.npz': "key 'keypoints'",
        'joints18.npz': '18 joints',
        'empty_frame.json': 'frame 2 has no instance',
        'ragged.json': r'frames \[2\] have shapes',
        'broken.json': 'cannot read the JSON',
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
