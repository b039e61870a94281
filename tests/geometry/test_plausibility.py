"""Implausible 2D and cameras get a clear error naming the value (issue
19: 1e30 coordinates, a 1x1 image, f = 1e-9, bool / complex / negative /
1e6 scores, every joint on one pixel, a root behind the camera)."""
import numpy as np
import pytest

from poselift_mm.apis.lift import lift_keypoints
from poselift_mm.geometry.plausibility import (check_focal,
                                               check_image_size,
                                               check_in_view,
                                               check_not_collapsed,
                                               check_score_values)


def test_primitives():
    check_image_size(640, 480)
    with pytest.raises(ValueError, match='1 x 1 px is not a real image'):
        check_image_size(1, 1)
    check_focal([1000, 1000], (1000, 1000))
    with pytest.raises(ValueError, match='focal length'):
        check_focal([1e-9, 1e-9], (1000, 1000))
    with pytest.raises(ValueError, match='focal length'):
        check_focal([1e-9, 1e-9], None)
    check_score_values(np.array([[0., 0.5, 1., np.nan, 1.2, 10.7]]))
    for bad, msg in ((np.ones((2, 3), bool), 'dtype bool'),
                     (np.ones((2, 3), complex), 'dtype complex'),
                     (np.array([[0.5, -0.1]]), 'outside'),
                     (np.array([[0.5], [101.]]), r'frames \[1\]'),
                     (np.array([[0.5], [1e6]]), r'frames \[1\]')):
        with pytest.raises(ValueError, match=msg):
            check_score_values(bad)
    kp = np.array([[[10., 10.], [20., 30.]], [[5., 5.], [5.5, 5.]]])
    vis = np.ones((2, 2), bool)
    with pytest.raises(ValueError, match=r'one point .* frames \[1\]'):
        check_not_collapsed(kp, vis)
    check_not_collapsed(kp[:1], vis[:1])
    check_not_collapsed(kp[1:], np.array([[True, False]]))  # one joint
    with pytest.raises(ValueError, match=r'far outside .* frames \[0, 1\]'):
        check_in_view(kp * 1e30, vis, (640, 480))


@pytest.fixture(scope='module')
def models(tmp_path_factory):
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "apis"))
    from test_lift import (FRAME_CFG, FRAME_OPTIONS, POSE, ZEDO_CFG,
                           save_random, tiny_config, write_clusters,
                           zedo_options)
    from poselift_mm.apis.lift import init_lifter
    work = tmp_path_factory.mktemp('plaus')
    clusters = write_clusters(work / 'c.npz', POSE[None])
    zc = tiny_config(ZEDO_CFG, zedo_options(clusters, num=1))
    fc = tiny_config(FRAME_CFG, FRAME_OPTIONS)
    return (init_lifter(zc, save_random(zc, work / 'z.pth'), 'cpu'),
            init_lifter(fc, save_random(fc, work / 'f.pth'), 'cpu'))


def test_lift_keypoints_refuses_the_reported_cases(models):
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / 'apis'))
    from test_lift import IMAGE, track
    zedo, frame = models
    kp, sc = track(3)
    intr = dict(f=(1000., 1000.), c=(500., 400.))
    cases = [
        (dict(keypoints=kp * 1e30), frame, 'far outside'),
        (dict(image_size=(1, 1)), frame, 'not a real image'),
        (dict(intrinsics=dict(f=(1e-9, 1e-9), c=(500., 400.))), zedo,
         'focal length'),
        (dict(scores=sc > 0.5), frame, 'dtype bool'),
        (dict(scores=sc.astype(complex)), frame, 'dtype complex'),
        (dict(scores=-sc), frame, 'outside'),
        (dict(scores=sc * 1e6), frame, 'outside'),
        (dict(keypoints=np.full_like(kp, 300.)), zedo, 'one point'),
    ]
    for change, model, msg in cases:
        args = dict(keypoints=kp, scores=sc, image_size=IMAGE,
                    intrinsics=intr if model is zedo else None)
        args.update(change)
        with pytest.raises(ValueError, match=msg):
            lift_keypoints(model=model, keypoint_format='h36m', **args)
