"""Lifting a track at the lifter's frame rate (apis.track_lifting): the
video DiffPose, trained on 50 Hz windows, on 25 and 12 fps versions of the
bundled 50 Hz CMU clip, against its own 50 Hz result."""
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config

from poselift_mm.apis.demo_clip import load_clip
from poselift_mm.apis.model_zoo import load_config, resolve_model
from poselift_mm.apis.track_lifting import (h36m_box_normalised,
                                            lift_at_fps, model_fps,
                                            records_from_coco,
                                            resample_track, track_span)
from poselift_mm.geometry.frame_rate import (frame_times, interpolate_frames,
                                             resample_sequence)

REPO = Path(__file__).resolve().parents[2]
CLIP = REPO / 'demo' / 'cmu_01_01_clip.npz'
LIFT = dict(image_size=(1000, 1000), keypoint_format='h36m')


@pytest.fixture(scope='module')
def video_model():
    from poselift_mm.apis.lift import init_lifter
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    info = resolve_model('diffpose-video-seq2seq')
    yield init_lifter(load_config(info.config), info.weights, device='cpu')
    torch.set_num_threads(n)


def test_model_fps_from_metafile_config_and_annotation_folder(tmp_path):
    for alias in ('diffpose-video', 'diffpose-video-seq2seq'):
        info = resolve_model(alias)
        assert info.metadata['Training FPS'] == 50
        assert model_fps(load_config(info.config)) == 50.
    # a config of no metafile: its train_fps, else its fpsNN folder
    cfg = Config(dict(train_dataloader=dict(dataset=dict(
        ann_file='annotation_body3d/fps25/h36m_train.npz'))))
    assert model_fps(cfg) == 25.
    cfg.train_fps = 30
    assert model_fps(cfg) == 30.
    assert model_fps(Config(dict(model=dict(type='X')))) is None


def mm(a, b):
    return float(np.linalg.norm(a - b, axis=-1).mean() * 1000.)


@pytest.mark.parametrize('fps', [25., 12.])
@pytest.mark.parametrize('inp', ['clean', 'noisy'])
def test_resampled_lifting_matches_lifting_at_50_hz(video_model, fps, inp):
    """A 50 Hz 2D sequence made into a ``fps`` one: lifted through
    resampling it gives what the model gives at 50 Hz at the same times;
    fed to the model as it is (its windows then span 50 / fps times the
    time they were trained on) it does not."""
    clip = load_clip(str(CLIP))
    kp = clip['keypoints_2d'] if inp == 'clean' else \
        clip['keypoints_2d_noisy']
    sc = None if inp == 'clean' else clip['scores_noisy']
    from poselift_mm.apis.lift import lift_keypoints
    ref = lift_keypoints(kp, sc, video_model, **LIFT)['keypoints_3d']
    low = resample_sequence(kp, 50., fps)
    low_sc = None if sc is None else resample_sequence(sc, 50., fps)
    times = frame_times(len(low), fps)
    ref_low = interpolate_frames(ref, frame_times(len(kp), 50.), times)
    out = lift_at_fps(low, low_sc, video_model, fps=fps, **LIFT)
    assert out['resampled'] and out['model_fps'] == 50. and \
        out['fps'] == fps
    assert out['keypoints_3d'].shape == (len(low), 17, 3)
    np.testing.assert_allclose(out['keypoints_2d'], low, atol=1e-3)
    naive = lift_keypoints(low, low_sc, video_model, **LIFT)['keypoints_3d']
    err, err_naive = mm(out['keypoints_3d'], ref_low), mm(naive, ref_low)
    # measured: clean 0.2 / 0.8 mm (25 / 12 fps), noisy 3.6 / 6.6 mm (the
    # noise is smoothed by the two resamplings); naive 8.6-15.8 mm
    assert err < (2. if inp == 'clean' else 10.), err
    assert err < 0.6 * err_naive, (err, err_naive)


def test_frame_model_and_same_rate_are_not_resampled(video_model):
    clip = load_clip(str(CLIP))
    kp = clip['keypoints_2d'][:30]
    out = lift_at_fps(kp, None, video_model, fps=50., **LIFT)
    assert not out['resampled'] and out['keypoints_3d'].shape == (30, 17, 3)
    out = lift_at_fps(kp, None, video_model, fps=None, **LIFT)
    assert not out['resampled'] and out['model_fps'] == 50.


def test_resample_track_marks_missing_joints():
    kp = np.zeros((5, 17, 2)) + np.arange(5)[:, None, None]
    sc = np.ones((5, 17))
    sc[2, 3] = 0.
    kp_m, sc_m = resample_track(kp, sc, 10., 20.)
    assert kp_m.shape == (9, 17, 2) and sc_m.shape == (9, 17)
    # frame 2 is sample 4; samples 3..5 lean on it for joint 3
    np.testing.assert_array_equal(sc_m[:, 3] == 0, np.isin(np.arange(9),
                                                           [3, 4, 5]))
    assert np.isnan(kp_m[3:6, 3]).all() and np.isfinite(kp_m[:, 4]).all()


def test_box_normalisation_and_track_span():
    kp = np.array([[[100., 200.], [300., 600.]]])
    box = np.array([[100., 200., 500., 600.]])  # centre (300, 400), 400 px
    out = h36m_box_normalised(kp, box)
    np.testing.assert_allclose(out, [[[328., 227.], [528., 627.]]])
    rows, (a, b) = track_span([3, 4, 6], np.ones((3, 2)), [1., 2., 3.])
    np.testing.assert_array_equal(rows, [0, 1, 3])
    assert a.shape == (4, 2) and np.isnan(a[2]).all()
    np.testing.assert_array_equal(b, [1., 2., np.nan, 3.])
    with pytest.raises(ValueError, match='increasing'):
        track_span([2, 1], [0., 0.])


def test_records_from_coco_converts_and_keeps_empty_frames():
    coco = np.arange(34, dtype=np.float64).reshape(17, 2)
    frames = [dict(frame_id=0, instances=[dict(
        keypoints=coco.tolist(), keypoint_scores=[0.9] * 17,
        bbox=[[0., 0., 10., 10.]], bbox_score=0.9)]),
        dict(frame_id=1, instances=[])]
    recs = records_from_coco(frames)
    assert recs[1] == dict(frame=1, instances=[])
    inst = recs[0]['instances'][0]
    kp = np.asarray(inst['keypoints_2d'])
    # H36M root = mid-hips (COCO 11, 12); thorax = mid-shoulders (5, 6)
    np.testing.assert_allclose(kp[0], (coco[11] + coco[12]) / 2)
    np.testing.assert_allclose(kp[8], (coco[5] + coco[6]) / 2)
    assert inst['bbox'] == [0., 0., 10., 10.] and inst['track_id'] == 0


def test_missing_joints_and_an_absent_frame_at_12_fps(video_model):
    """The missing-joint rule of lift_keypoints holds through resampling:
    a NaN joint and a score-0 joint are filled over time, a frame without
    a person is NaN in 3D and absent, its neighbours are lifted."""
    clip = load_clip(str(CLIP))
    kp = resample_sequence(clip['keypoints_2d'], 50., 12.)
    sc = np.ones(kp.shape[:2])
    kp[5, 3] = np.nan
    sc[9, 6] = 0.
    kp[14] = np.nan
    out = lift_at_fps(kp, sc, video_model, fps=12., **LIFT)
    ref = lift_at_fps(np.asarray(clip['keypoints_2d']), None, video_model,
                      fps=50., **LIFT)['keypoints_3d']
    assert out['resampled']
    present = np.ones(len(kp), bool)
    present[14] = False
    np.testing.assert_array_equal(out['present'], present)
    assert np.isnan(out['keypoints_3d'][14]).all()
    assert np.isfinite(out['keypoints_3d'][present]).all()
    assert np.isfinite(out['keypoints_2d']).all()
    assert out['filled'][5, 3] and out['filled'][9, 6]
    ref12 = interpolate_frames(ref, frame_times(len(ref), 50.),
                               frame_times(len(kp), 12.))
    err = mm(out['keypoints_3d'][present], ref12[present])
    assert err < 10., err  # measured 0.9 mm


def test_box_normalisation_inverts():
    rng = np.random.default_rng(0)
    kp = rng.uniform(0, 1000, (4, 17, 2))
    box = np.concatenate([kp.min(1) - 5, kp.max(1) + 5], 1)
    back = h36m_box_normalised(h36m_box_normalised(kp, box), box,
                               inverse=True)
    np.testing.assert_allclose(back, kp, atol=1e-9)
