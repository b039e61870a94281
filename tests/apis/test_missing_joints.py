"""The missing-joint rule (NaN position or score 0 = missing) in the
geometry primitives, in every lifter (tiny real-config models with random
weights) and in ``lift_keypoints``: a missing joint's 2D position has no
influence, gaps are filled over time, frames without a person give empty
entries."""
import numpy as np
import pytest

from poselift_mm.apis.lift import lift_keypoints
from poselift_mm.apis.output_schema import frames_from_lift
from poselift_mm.geometry.missing import (collapse_onto_parents,
                                          interpolate_gaps, missing_mask)
from poselift_mm.geometry.skeleton import H36M17_PARENTS
from test_lift import (IMAGE, frame_model, one_thread,  # noqa
                                  track, video_model, work, zedo)

WRIST = 13  # Human3.6M-17 left wrist
INTR = dict(f=(1000., 1000.), c=(IMAGE[0] / 2, IMAGE[1] / 2))


# ---- primitives --------------------------------------------------------------
def test_missing_mask_nan_and_zero_scores():
    kp = np.zeros((2, 3, 2))
    kp[0, 1, 0] = np.nan
    sc = np.array([[1., 1., 0.], [np.nan, 0.5, -1.]])
    np.testing.assert_array_equal(missing_mask(kp, sc),
                                  [[0, 1, 1], [1, 0, 1]])


def test_collapse_onto_parents_follows_the_chain():
    kp = np.arange(17 * 2, dtype=float).reshape(1, 17, 2)
    miss = np.zeros((1, 17), bool)
    miss[0, [12, 13]] = True  # left elbow and wrist: both onto the shoulder
    out = collapse_onto_parents(kp, miss)
    np.testing.assert_array_equal(out[0, 12], kp[0, 11])
    np.testing.assert_array_equal(out[0, 13], kp[0, 11])
    keep = [j for j in range(17) if j not in (12, 13)]
    np.testing.assert_array_equal(out[0, keep], kp[0, keep])
    assert H36M17_PARENTS[13] == 12 and H36M17_PARENTS[12] == 11
    root = np.zeros((1, 17), bool)
    root[0, 0] = True  # the root has no parent: unchanged
    np.testing.assert_array_equal(collapse_onto_parents(kp, root), kp)


def test_interpolate_gaps_linear_inside_only():
    kp = np.zeros((6, 1, 2))
    kp[:, 0, 0] = [0, 99, 99, 30, 99, 99]
    sc = np.array([[1.], [0.], [0.], [0.6], [0.], [0.]])
    miss = sc <= 0
    out, s, filled = interpolate_gaps(kp, sc, miss)
    np.testing.assert_allclose(out[:4, 0, 0], [0, 10, 20, 30])
    np.testing.assert_array_equal(filled[:, 0], [0, 1, 1, 0, 0, 0])
    # half the interpolated score: frames 1, 2 are 1/3, 2/3 of the way
    np.testing.assert_allclose(s[1:3, 0], 0.5 * np.array(
        [2 / 3 * 1. + 1 / 3 * 0.6, 1 / 3 * 1. + 2 / 3 * 0.6]), atol=1e-9)
    assert (out[4:, 0, 0] == 99).all()  # the end of the track stays missing
    _, _, short = interpolate_gaps(kp, sc, miss, max_gap=1)
    assert not short.any()  # the gap of 2 frames is longer


# ---- lifters: a missing joint's 2D has no influence ------------------------
def _moved(kp, sc):
    far = kp.copy()
    far[:, WRIST] += [250., -180.]
    zero = sc.copy()
    zero[:, WRIST] = 0.
    return far, zero


@pytest.mark.parametrize('name', ['zedo', 'frame_model', 'video_model'])
def test_score_zero_joint_position_is_ignored(name, request):
    model = request.getfixturevalue(name)
    kp, sc = track(6)
    far, zero = _moved(kp, sc)
    cam = dict(image_size=IMAGE, intrinsics=INTR)
    a = lift_keypoints(kp, zero, model, **cam)['keypoints_3d']
    b = lift_keypoints(far, zero, model, **cam)['keypoints_3d']
    np.testing.assert_allclose(a, b, atol=1e-5)
    # and a NaN position is the same as score 0
    nan = kp.copy()
    nan[:, WRIST] = np.nan
    c = lift_keypoints(nan, sc, model, **cam)['keypoints_3d']
    np.testing.assert_allclose(a, c, atol=1e-5)
    # the joint is not ignored when it is present
    d = lift_keypoints(far, sc, model, **cam)['keypoints_3d']
    assert np.abs(d - a).max() > 1e-3


def test_zedo_missing_joint_is_not_snapped_to_its_ray(zedo):
    """With score 0 the wrist does not follow its (far) 2D ray; with a
    score it does."""
    kp, sc = track(2)
    far, zero = _moved(kp, sc)
    cam = dict(image_size=IMAGE, intrinsics=INTR)
    given = lift_keypoints(far, sc, zedo, **cam)
    missing = lift_keypoints(far, zero, zedo, **cam)

    def reproj(res):
        x = res['keypoints_3d'] + res['translation'][:, None]
        uv = x[..., :2] / x[..., 2:] * 1000. + np.array(IMAGE) / 2
        return np.linalg.norm(uv[:, WRIST] - far[:, WRIST], axis=-1)

    assert (reproj(given) < 1.).all()  # snapped onto the ray
    assert (reproj(missing) > 50.).all()  # left where the prior puts it


# ---- tracks: gaps and frames without a person ------------------------------
def test_gaps_filled_and_empty_frames(frame_model):
    kp, sc = track(8)
    kp[3, WRIST] = np.nan  # a one-frame gap: interpolated
    kp[5] = np.nan  # no person in frame 5
    res = lift_keypoints(kp, sc, frame_model, image_size=IMAGE)
    assert res['filled'][3, WRIST] and res['filled'].sum() == 1 + 17
    np.testing.assert_allclose(res['keypoints_2d'][3, WRIST],
                               (kp[2, WRIST] + kp[4, WRIST]) / 2, atol=1e-3)
    np.testing.assert_array_equal(res['present'], [1] * 5 + [0] + [1] * 2)
    assert np.isnan(res['keypoints_3d'][5]).all()
    assert np.isfinite(res['keypoints_3d'][[0, 1, 2, 3, 4, 6, 7]]).all()
    frames = frames_from_lift(res)
    assert frames[5]['instances'] == [] and len(frames[4]['instances']) == 1


def test_no_person_anywhere_is_an_error(frame_model):
    kp, sc = track(3)
    with pytest.raises(ValueError, match='no joint is given in any'):
        lift_keypoints(kp, np.zeros_like(sc), frame_model, image_size=IMAGE)
