"""The committed CPU checkpoints on real Human3.6M frames (the 4 MMPose
sample frames; S1, S5, S7 are training subjects, S8 is not): finite
metre-scale poses, and DiffPose's stochastic hypotheses are independent
and spread more at joints whose 2D is given a low confidence."""
from pathlib import Path

import numpy as np
import pytest
import torch

from poselift_mm.apis import init_lifter, lift_keypoints

REPO = Path(__file__).resolve().parents[2]


def _ckpt(pattern):
    found = sorted((REPO / 'checkpoints').glob(pattern))
    assert found, f'no committed checkpoint {pattern}'
    return str(found[0])


@pytest.fixture(scope='module')
def frames(h36m_samples):
    d = np.load(h36m_samples / 'test_h36m_body3d.npz')
    return d['part'][..., :2].astype(np.float32), d['S'][..., :3]


def test_diffpose_frame_hypotheses_follow_confidence(frames, monkeypatch):
    monkeypatch.chdir(REPO)
    torch.set_num_threads(1)
    kp, gt = frames
    model = init_lifter(
        'configs/diffpose/diffpose_gcndiff-gcnpose_h36m-mocap_cpu.py',
        _ckpt('diffpose/diffpose_gcndiff-gcnpose_h36m-mocap_cpu-*.pth'),
        device='cpu',
        cfg_options={'model.test_cfg.num_hypotheses': 16,
                     'model.test_cfg.start_noise': True,
                     'model.test_cfg.return_hypotheses': True})
    ones = np.ones(kp.shape[:2], np.float32)
    torch.manual_seed(0)
    sure = lift_keypoints(kp, ones, model=model, image_size=(1000, 1002))
    low = [3, 6, 13, 16]  # ankles, wrists
    unsure_scores = ones.copy()
    unsure_scores[:, low] = 0.2
    torch.manual_seed(0)
    unsure = lift_keypoints(kp, unsure_scores, model=model,
                            image_size=(1000, 1002))
    s1, s2 = sure['keypoint_spread'], unsure['keypoint_spread']
    assert np.isfinite(sure['keypoints_3d']).all()
    assert (s1[:, 1:] > 1e-3).all()  # independent hypotheses: > 1 mm
    assert (s2[:, low] > 2 * s1[:, low]).all()
    err = np.linalg.norm(sure['keypoints_3d'] -
                         (gt - gt[:, :1]), axis=-1).mean() * 1000
    assert err < 150, f'MPJPE {err:.1f} mm on real frames'


def test_zedo_released_model_on_real_frames(frames, h36m_samples,
                                            monkeypatch):
    import pickle
    from poselift_mm.geometry import camera_from_pkl
    monkeypatch.chdir(REPO)
    torch.set_num_threads(1)
    kp, gt = frames
    d = np.load(h36m_samples / 'test_h36m_body3d.npz')
    with open(h36m_samples / 'cameras.pkl', 'rb') as f:
        cams = pickle.load(f)
    model = init_lifter(
        'configs/zedo/zedo_prior-mlp512_h36m-mocap_cpu.py',
        _ckpt('zedo/zedo_prior-mlp512_h36m-mocap_cpu-*.pth'), device='cpu',
        cfg_options={'model.test_cfg.oil.iters': 200,
                     'model.test_cfg.oil.mode': 'scaled'})
    errs = []
    for i, name in enumerate(d['imgname']):
        subj, rest = Path(str(name)).name.split('_', 1)
        cam_id = rest.split('.')[1].split('_')[0]
        cam = camera_from_pkl(cams, subj, cam_id)
        out = lift_keypoints(kp[i:i + 1], model=model,
                             intrinsics=dict(f=cam['f'], c=cam['c'],
                                             k=cam.get('k'), p=cam.get('p')))
        pred = out['keypoints_3d'][0]
        errs.append(np.linalg.norm(pred - (gt[i] - gt[i, :1]),
                                   axis=-1).mean() * 1000)
    assert np.isfinite(errs).all()
    assert np.mean(errs) < 150, f'MPJPE per frame {np.round(errs, 1)} mm'
