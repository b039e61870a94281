"""tools/fit_gmm.py on procedural MMPose-format files and the real samples."""
import importlib.util
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from poselift_mm.datasets.h36m_format import h36m_imgname
from poselift_mm.datasets.readers import (VIDEOPOSE3D_CAMERA_IDS, check_gmm,
                                          read_h36m_2d_file)
from poselift_mm.models.priors.gmm import GMMPrior

REPO = Path(__file__).resolve().parents[2]
TOOL = REPO / 'tools' / 'fit_gmm.py'


@pytest.fixture(scope='module')
def tool():
    spec = importlib.util.spec_from_file_location('fit_gmm_tool', TOOL)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# true residual mixture (screen units): 80 % N(0, 0.004), 20 % outliers
WEIGHTS = np.array([0.8, 0.2])
MEANS = np.array([[0., 0.], [0.06, -0.02]])
SIGMAS = np.array([[0.004, 0.004], [0.01, 0.01]])


def write_dataset(root, videos, widths, seed=0):
    """videos: [(subject, action, frames)] x the 4 cameras; widths:
    {(subject, camera): (w, h)}. Returns paths and the residual px."""
    rng = np.random.default_rng(seed)
    names, ws = [], []
    for subject, action, frames in videos:
        for cam in VIDEOPOSE3D_CAMERA_IDS:
            names += [h36m_imgname(subject, action, cam, f)
                      for f in range(frames)]
            ws += [widths[(subject, cam)][0]] * frames
    n, w = len(names), np.array(ws, dtype=np.float64)
    gt = np.concatenate([rng.uniform(200, 800, (n, 17, 2)),
                         np.ones((n, 17, 1))], -1)
    k = rng.choice(2, size=(n, 17), p=WEIGHTS)
    res_norm = MEANS[k] + SIGMAS[k] * rng.normal(size=(n, 17, 2))
    res_px = res_norm * (w / 2)[:, None, None]  # 1 px = 2/w screen units
    det = np.concatenate([gt[..., :2] + res_px, rng.uniform(
        0.5, 1, (n, 17, 1))], -1)
    ann = root / 'ann.npz'
    np.savez(ann, imgname=np.array(names), part=gt.astype(np.float32),
             center=np.zeros((n, 2)), scale=np.ones(n),
             S=np.zeros((n, 17, 4)))
    det_path = root / 'det.npy'
    np.save(det_path, det.astype(np.float32))
    cams = root / 'cameras.pkl'
    with open(cams, 'wb') as f:
        pickle.dump({key: dict(w=wh[0], h=wh[1])
                     for key, wh in widths.items()}, f)
    return ann, det_path, cams, det, w


def widths_for(subjects, w_of=lambda s: 1000):
    return {(s, c): (w_of(s), 1002 if c in ('54138969', '60457274') else
                     1000)
            for s in subjects for c in VIDEOPOSE3D_CAMERA_IDS}


def test_fit_recovers_mixture_with_per_row_width(tool, tmp_path, capsys):
    # S5's (fake) cameras are 2000 px wide: the same screen-unit residual is
    # twice as many px there; only per-row widths give one clean mixture
    widths = widths_for(['S1', 'S5'], lambda s: 2000 if s == 'S5' else 1000)
    ann, det, cams, det_arr, w = write_dataset(
        tmp_path, [('S1', 'Walking_1', 1500), ('S5', 'Eating', 1500)], widths)
    out = tmp_path / 'gmm.npz'
    per_frame = tmp_path / 'frames.npz'
    assert tool.main([str(ann), str(det), str(out), '--components', '2',
                      '--camera-param-file', str(cams),
                      '--per-frame-out', str(per_frame)]) == 0
    printed = capsys.readouterr().out
    assert 'rows used: 12000 of 12000' in printed
    prior = GMMPrior.load(out)
    assert prior.weights.shape == (17, 2)
    np.testing.assert_allclose(prior.weights.numpy(),
                               np.broadcast_to(WEIGHTS, (17, 2)), atol=0.02)
    np.testing.assert_allclose(prior.means.numpy(),
                               np.broadcast_to(MEANS, (17, 2, 2)), atol=1e-3)
    np.testing.assert_allclose(prior.sigmas.numpy(),
                               np.broadcast_to(SIGMAS, (17, 2, 2)), rtol=0.08)
    # per-frame rows layout: mu_k = det - mean_k (px), sigma_k screen units
    data = np.load(per_frame)
    gmm = data['gmm']
    assert gmm.shape == (12000, 17, 2, 5) and gmm.dtype == np.float32
    check_gmm(gmm, per_frame, 'gmm', 12000, 17)
    np.testing.assert_array_equal(data['row_index'], np.arange(12000))
    i = 7000  # an S5 row, w = 2000
    assert w[i] == 2000 and data['imgname'][i].startswith('S5/')
    expected_mu = det_arr[i, :, None, :2] - prior.means.numpy() * 1000.
    np.testing.assert_allclose(gmm[i, ..., 1:3], expected_mu, rtol=1e-6,
                               atol=1e-3)
    np.testing.assert_allclose(gmm[i, ..., 3:], prior.sigmas.numpy(),
                               rtol=1e-6)
    np.testing.assert_allclose(gmm[i, ..., 0], prior.weights.numpy(),
                               rtol=1e-6)


def test_max_rows_and_videopose3d_layout(tool, tmp_path, capsys):
    widths = widths_for(['S1'])
    ann, det, cams, det_arr, w = write_dataset(
        tmp_path, [('S1', 'Walking_1', 30), ('S1', 'Eating', 20)], widths)
    out = tmp_path / 'gmm.npz'
    assert tool.main([str(ann), str(det), str(out), '-k', '1',
                      '--camera-param-file', str(cams),
                      '--max-rows', '50', '--per-frame-out',
                      str(tmp_path / 'rows.npz')]) == 0
    assert 'rows used: 50 of 200' in capsys.readouterr().out
    rows = np.load(tmp_path / 'rows.npz')['row_index']
    assert len(rows) == 50 and rows[0] == 0 and rows[-1] == 199
    # K = 1 is the mean residual of exactly those rows
    part = np.load(ann)['part']
    res = (det_arr[rows, :, :2] - part[rows, :, :2]) * 2 / 1000.
    np.testing.assert_allclose(GMMPrior.load(out).means[:, 0].numpy(),
                               res.mean(0), atol=1e-6)
    with pytest.raises(SystemExit, match='drop --max-rows'):
        tool.main([str(ann), str(det), str(out), '-k', '1',
                   '--camera-param-file', str(cams), '--max-rows', '50',
                   '--per-frame-out', str(tmp_path / 'vp.npz'),
                   '--per-frame-format', 'videopose3d'])
    vp = tmp_path / 'vp.npz'
    assert tool.main([str(ann), str(det), str(out), '-k', '1',
                      '--camera-param-file', str(cams),
                      '--per-frame-out', str(vp),
                      '--per-frame-format', 'videopose3d']) == 0
    kind, positions, meta = read_h36m_2d_file(vp)
    assert kind == 'gmm' and meta['num_joints'] == 17
    assert sorted(positions['S1']) == ['Eating', 'Walking 1']
    cams_w = positions['S1']['Walking 1']
    assert len(cams_w) == 4 and cams_w[0].shape == (30, 17, 1, 5)
    # camera 2 of Walking_1 = rows 30..59 of the annotation; mu_0 = det - m
    prior = GMMPrior.load(out)
    np.testing.assert_allclose(
        cams_w[1][..., 0, 1:3],
        det_arr[30:60, :, :2] - prior.means[:, 0].numpy() * 500., atol=1e-3)


def test_bad_inputs_name_file_and_key(tool, tmp_path):
    widths = widths_for(['S1'])
    ann, det, cams, det_arr, _ = write_dataset(
        tmp_path, [('S1', 'Walking_1', 5)], widths)
    out = str(tmp_path / 'gmm.npz')
    short = tmp_path / 'short.npy'
    np.save(short, det_arr[:-1])
    with pytest.raises(ValueError, match='short.npy.*19 detection rows'):
        tool.main([str(ann), str(short), out, '--camera-param-file',
                   str(cams)])
    npz = tmp_path / 'det.npz'
    np.savez(npz, keypoints=det_arr)
    with pytest.raises(ValueError, match="det.npz: key 'part': missing"):
        tool.main([str(ann), str(npz), out, '--camera-param-file',
                   str(cams)])
    np.savez(npz, part=det_arr)  # the npz form works
    assert tool.main([str(ann), str(npz), out, '-k', '1',
                      '--camera-param-file', str(cams)]) == 0
    few = tmp_path / 'few.pkl'
    with open(few, 'wb') as f:
        pickle.dump({('S1', '54138969'): dict(w=1000, h=1002)}, f)
    with pytest.raises(ValueError, match="few.pkl: key \\('S1', "
                       "'55011271'\\): no camera"):
        tool.main([str(ann), str(det), out, '--camera-param-file', str(few)])
    # run as a script: one clear error line, non-zero exit
    proc = subprocess.run(
        [sys.executable, str(TOOL), str(ann), str(short), out,
         '--camera-param-file', str(cams)], capture_output=True, text=True,
        timeout=300)
    assert proc.returncode != 0
    assert 'short.npy' in proc.stderr and 'Traceback' not in proc.stderr


def test_real_mmpose_samples(tool, h36m_samples, tmp_path, capsys):
    """The 4 real Human3.6M frames MMPose ships, their CPN-like detections
    and real cameras (all w = 1000)."""
    ann = h36m_samples / 'test_h36m_body3d.npz'
    det = h36m_samples / 'test_h36m_2d_detection.npy'
    out = tmp_path / 'real.npz'
    assert tool.main([str(ann), str(det), str(out), '-k', '1',
                      '--camera-param-file',
                      str(h36m_samples / 'cameras.pkl')]) == 0
    printed = capsys.readouterr().out
    part = np.load(ann)['part'][..., :2]
    res_px = np.load(det)[..., :2] - part
    mean_err = np.linalg.norm(res_px, axis=-1).mean(0)
    assert 0.1 < mean_err.mean() < 50  # real detector errors, in px
    line0 = [ln for ln in printed.splitlines()
             if ln.strip().startswith('0 ')][0]
    assert f'{mean_err[0]:.2f}' in line0
    prior = GMMPrior.load(out)
    np.testing.assert_allclose(prior.means[:, 0].numpy(),
                               res_px.mean(0) * 2 / 1000, atol=1e-6)
