"""BlazePose (MediaPipe's pose solution) as the offline 2D detector:
the COCO-17 map, pixels and scores, empty frames, and the layout of
MMPose's prediction files, on the bundled real video."""
import json
from pathlib import Path

import numpy as np
import pytest

mp = pytest.importorskip('mediapipe')

from poselift_mm.apis.blazepose import (BLAZEPOSE_TO_COCO17,  # noqa: E402
                                        keypoint_bbox, landmarks_to_coco,
                                        run_blazepose)
from poselift_mm.geometry.keypoint_formats import COCO17_NAMES  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
VIDEO = REPO / 'demo' / 'single_person_demo.mp4'
N_FRAMES = 20


@pytest.fixture(scope='module')
def detected():
    info = {}
    frames = run_blazepose(str(VIDEO), max_frames=N_FRAMES, info=info)
    return frames, info


def test_coco_map_follows_mediapipe_landmark_names():
    """COCO-17 joint j is BlazePose's landmark of the same name (the
    person's own left/right in both)."""
    landmark = mp.solutions.pose.PoseLandmark
    assert len(landmark) == 33
    for j, name in enumerate(COCO17_NAMES):
        assert landmark[name.upper()].value == BLAZEPOSE_TO_COCO17[j], name


def test_landmarks_to_pixels_and_scores():
    lm = np.zeros((33, 4))
    lm[:, 0] = np.arange(33) / 100.  # x: the landmark's index
    lm[:, 1] = 0.5
    lm[:, 3] = np.linspace(-0.2, 1.2, 33)  # visibility beyond [0, 1]
    kp, sc = landmarks_to_coco(lm, 1080, 1920)
    np.testing.assert_allclose(kp[:, 0], np.array(BLAZEPOSE_TO_COCO17)
                               / 100. * 1080)
    np.testing.assert_allclose(kp[:, 1], 960.)
    assert ((sc >= 0) & (sc <= 1)).all()
    with pytest.raises(ValueError, match='expected shape'):
        landmarks_to_coco(lm[:17], 10, 10)


def test_box_is_human36m_rule():
    box = keypoint_bbox(np.array([[100., 100.], [200., 500.]]))
    # extent 100 x 400 centred at (150, 300); a 480 px square
    np.testing.assert_allclose(box, [-90., 60., 390., 540.])


def test_video_gives_mmpose_prediction_layout(detected):
    frames, info = detected
    assert info['fps'] == 12. and (info['width'], info['height']) == \
        (1080, 1920)
    assert info['frames_read'] == N_FRAMES
    assert [f['frame_id'] for f in frames] == list(range(N_FRAMES))
    for f in frames:
        (inst, ) = f['instances']  # one person in every frame
        kp = np.asarray(inst['keypoints'])
        sc = np.asarray(inst['keypoint_scores'])
        assert kp.shape == (17, 2) and sc.shape == (17, )
        assert ((sc >= 0) & (sc <= 1)).all() and sc.mean() > 0.5
        # pixels of the 1080 x 1920 frame, not normalised coordinates
        assert kp[:, 0].max() > 100 and kp[:, 1].max() > 1000
        assert (kp > -50).all() and (kp < [1130, 1970]).all()
        assert np.asarray(inst['bbox']).shape == (1, 4)
        assert 0 <= inst['bbox_score'] <= 1


def test_real_joints_land_on_the_body(detected):
    """Shoulders above hips above knees above ankles (image y down) for
    the player (who bends over the ball: the nose may dip below the
    shoulders, not below the hips); eyes and ears near the nose; left
    and right joints of a pair on the same side of the body."""
    frames, _ = detected
    kp = np.array([f['instances'][0]['keypoints'] for f in frames])
    y = kp[..., 1]
    c = {name: j for j, name in enumerate(COCO17_NAMES)}
    mid = (lambda a: (y[:, c['left_' + a]] + y[:, c['right_' + a]]) / 2)
    assert (y[:, c['nose']] < mid('hip')).all()
    assert (mid('shoulder') < mid('hip')).all()
    assert (mid('hip') < mid('knee')).all()
    assert (mid('knee') < mid('ankle')).all()
    torso = np.linalg.norm(kp[:, c['left_shoulder']] - kp[:, c['left_hip']],
                           axis=-1)
    for name in ('left_eye', 'right_eye', 'left_ear', 'right_ear'):
        d = np.linalg.norm(kp[:, c[name]] - kp[:, c['nose']], axis=-1)
        assert (d < 0.5 * torso).all(), name
    # the person's left shoulder, elbow and hip lie on one side of the
    # right ones (the skeleton is not scrambled)
    side = np.sign(kp[:, [c['left_shoulder'], c['left_hip']], 0] -
                   kp[:, [c['right_shoulder'], c['right_hip']], 0])
    sep = np.abs(kp[:, c['left_shoulder'], 0] -
                 kp[:, c['right_shoulder'], 0]) > 40
    assert (side[sep, 0] == side[sep, 1]).mean() > 0.9


def test_empty_frames_give_empty_entries(tmp_path):
    """No person: an empty ``instances`` list, and detection goes on."""
    import cv2
    cap = cv2.VideoCapture(str(VIDEO))
    real = [cap.read()[1] for _ in range(4)]
    cap.release()
    blank = np.full_like(real[0], 127)
    frames = run_blazepose([real[0], blank, real[3]])  # images, each alone
    assert [len(f['instances']) for f in frames] == [1, 0, 1]
    assert frames[1] == dict(frame_id=1, instances=[])
    path = tmp_path / 'gap.mp4'
    h, w = real[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'mp4v'),
                             12., (w // 4, h // 4))
    if not writer.isOpened():
        pytest.skip('OpenCV cannot write mp4v here')
    for img in real[:2] + [blank] * 3 + real[2:]:
        writer.write(cv2.resize(img, (w // 4, h // 4)))
    writer.release()
    frames = run_blazepose(str(path))  # a video: tracked frame to frame
    assert [len(f['instances']) for f in frames] == [1, 1, 0, 0, 0, 1, 1]


def test_lift_tool_reads_the_predictions(detected, tmp_path):
    """The frames are MMPose's prediction layout: tools/lift.py's reader
    takes them, and the geometry says COCO-17."""
    from poselift_mm.apis.keypoint_files import read_track
    from poselift_mm.geometry.format_detection import \
        require_17_joint_format
    frames, _ = detected
    path = tmp_path / 'pred.json'
    path.write_text(json.dumps(frames))
    track = read_track(str(path))
    assert np.asarray(track['keypoints']).shape == (N_FRAMES, 17, 2)
    assert track['frame_ids'] == list(range(N_FRAMES))
    vote = require_17_joint_format(np.asarray(track['keypoints']),
                                   np.asarray(track['scores']))
    assert vote.format == 'coco'


def test_native_log_noise_is_dropped_and_the_rest_kept(capfd):
    """MediaPipe's C++ side writes to file descriptor 2; its known noise
    is dropped, anything else is passed on, Python's stderr is kept."""
    import os
    import sys

    from poselift_mm.apis.blazepose import quiet_native_logs
    with quiet_native_logs():
        os.write(2, b'INFO: Created TensorFlow Lite XNNPACK delegate for '
                 b'CPU.\nW0000 00:00:1.2 31 inference_feedback_manager.cc:'
                 b'114] Feedback manager\nE0000 a real error\n')
        print('from python', file=sys.stderr)
    err = capfd.readouterr().err
    assert 'XNNPACK' not in err and 'Feedback' not in err
    assert 'E0000 a real error' in err and 'from python' in err
