"""The README main job (tools/demo_clip.py) and its bundled clip
(tools/make_demo_clip.py)."""
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from poselift_mm.apis.demo_clip import load_clip, make_clip

REPO = Path(__file__).resolve().parents[2]
CLIP = REPO / 'demo' / 'cmu_01_01_clip.npz'


def load_tool(name):
    spec = importlib.util.spec_from_file_location(name,
                                                  REPO / 'tools' / f'{name}.py')
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope='module')
def tool():
    return load_tool('demo_clip')


def test_committed_clip_is_what_the_converter_makes(shared_data):
    """The bundled clip is reproduced bit for bit from the CMU BVH by the
    project's converter (the command in tools/make_demo_clip.py)."""
    clip = make_clip(str(shared_data / 'cmu_bvh/01_01.bvh'), start_s=0.,
                     seconds=4.)
    with np.load(CLIP) as ref:
        assert sorted(ref.files) == sorted(clip)
        for key in clip:
            np.testing.assert_array_equal(ref[key], clip[key], err_msg=key)
    assert 'mocap.cs.cmu.edu' in str(clip['attribution'])


def test_clip_geometry():
    """2D = pinhole projection of the 3D through the clip's intrinsics."""
    clip = load_clip(str(CLIP))
    x = clip['keypoints_3d'].astype(np.float64)
    uv = x[..., :2] / x[..., 2:] * clip['f'] + clip['c']
    np.testing.assert_allclose(uv, clip['keypoints_2d'], atol=1e-2)
    noise = np.linalg.norm(clip['keypoints_2d_noisy'] - clip['keypoints_2d'],
                           axis=-1)
    assert 0.5 < np.median(noise) < 10.
    assert ((clip['scores_noisy'] >= 0) & (clip['scores_noisy'] <= 1)).all()
    w, h = clip['image_size']
    assert (clip['keypoints_2d'] >= 0).all()
    assert (clip['keypoints_2d'] <= [w, h]).all()


def test_main_job_writes_results_figure_and_animation(tool, tmp_path,
                                                      capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the released models' paths: not from cwd
    torch.manual_seed(0)
    n = torch.get_num_threads()
    try:
        rc = tool.main(['--out-dir', str(tmp_path), '--threads', '1'])
    finally:
        torch.set_num_threads(n)
    assert rc == 0
    out = capsys.readouterr().out
    doc = json.loads((tmp_path / 'results.json').read_text())
    names = ['ZeDO', 'DiffPose frame', 'DiffPose video']
    assert set(doc['metrics']) == {'clean', 'noisy'}
    for inp in ('clean', 'noisy'):
        assert list(doc['metrics'][inp]) == names
        for name in names:
            m = doc['metrics'][inp][name]
            # lifters trained on Human3.6M motion, on a CMU subject: far
            # better than chance (~300 mm), not better than the Human3.6M
            # figures of their cards
            assert 40. < m['MPJPE'] < 200., (inp, name, m)
            assert m['P_MPJPE'] <= m['MPJPE']
            assert f"{name:15s} {inp:5s} 2D: MPJPE {m['MPJPE']:6.1f}" in out
    clip = load_clip(str(CLIP))
    assert len(doc['frames']) == len(clip['keypoints_3d'])
    f0 = doc['frames'][0]
    gt = np.asarray(f0['ground_truth'])
    np.testing.assert_allclose(gt, clip['keypoints_3d'][0] -
                               clip['keypoints_3d'][0, :1], atol=1e-5)
    for name in names:
        kp = np.asarray(f0['noisy'][name]['keypoints_3d'])
        assert kp.shape == (17, 3) and np.isfinite(kp).all()
        np.testing.assert_allclose(kp[0], 0., atol=1e-5)
        # the per-frame error in the file is the error of the file's poses
        err = np.linalg.norm(kp - gt, axis=-1).mean() * 1000.
        assert abs(err - f0['noisy'][name]['mpjpe_mm']) < 0.05
    png = (tmp_path / 'comparison.png').read_bytes()
    assert png[:8] == b'\x89PNG\r\n\x1a\n' and len(png) > 20000
    anim = [p for p in tmp_path.iterdir() if p.name in ('demo.mp4',
                                                          'demo.gif')]
    assert len(anim) == 1 and anim[0].stat().st_size > 10000
    assert not [p for p in tmp_path.iterdir() if p.name.startswith('.')]


@pytest.mark.parametrize('problem', ['missing', 'shape', 'nan', 'absent'])
def test_bad_clip_is_named(tool, tmp_path, problem, capsys):
    with np.load(CLIP) as z:
        data = {k: z[k] for k in z.files}
    if problem == 'missing':
        del data['keypoints_3d']
    elif problem == 'shape':
        data['keypoints_2d'] = data['keypoints_2d'][:, :16]
    elif problem == 'nan':
        data['keypoints_2d_noisy'][3, 2, 0] = np.nan
    path = tmp_path / 'bad.npz'
    if problem != 'absent':
        np.savez(path, **data)
    rc = tool.main(['--clip', str(path), '--out-dir', str(tmp_path / 'o'),
                    '--no-render'])
    assert rc == 2
    err = capsys.readouterr().err
    assert str(path) in err
    expected = dict(missing="missing keys ['keypoints_3d']",
                    shape='keypoints_2d has shape (200, 16, 2)',
                    nan='keypoints_2d_noisy has non-finite values',
                    absent='clip file not found')[problem]
    assert expected in err
    assert not (tmp_path / 'o' / 'results.json').exists()


def test_make_clip_bad_window_is_named(shared_data):
    bvh = str(shared_data / 'cmu_bvh/01_01.bvh')
    with pytest.raises(ValueError, match='need start_s >= 0 and seconds > 0'):
        make_clip(bvh, start_s=0., seconds=0.)
    with pytest.raises(ValueError, match='does not fit'):
        make_clip(bvh, start_s=0., seconds=600.)

