"""Temporal consistency of a lifted track: moving average, bones held at
their median length, frames without a person untouched."""
import numpy as np

from poselift_mm.geometry.temporal import (BONE_TOLERANCE, bone_lengths,
                                           consistent_track,
                                           hold_bone_lengths,
                                           limb_length_cv, smooth_track,
                                           smoothing_window)


def test_smooth_track_centred_and_shrinking_at_the_ends():
    x = np.random.default_rng(0).normal(size=(9, 2, 3))
    s = smooth_track(x, 5)
    np.testing.assert_allclose(s[0], x[0])
    np.testing.assert_allclose(s[1], x[:3].mean(0))
    np.testing.assert_allclose(s[4], x[2:7].mean(0))
    np.testing.assert_allclose(s[8], x[8])
    line = np.arange(9.)[:, None, None] * np.ones((1, 2, 3))
    np.testing.assert_allclose(smooth_track(line, 5), line)  # linear kept


def test_hold_bone_lengths_keeps_directions():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(6, 17, 3))
    h = hold_bone_lengths(x)
    med = np.median(bone_lengths(x), 0)
    np.testing.assert_allclose(bone_lengths(h), np.broadcast_to(med, (6, 17)),
                               atol=1e-9)
    d0 = x[:, 13] - x[:, 12]
    d1 = h[:, 13] - h[:, 12]
    cos = (d0 * d1).sum(-1) / np.linalg.norm(d0, axis=-1) / \
        np.linalg.norm(d1, axis=-1)
    np.testing.assert_allclose(cos, 1., atol=1e-9)
    assert limb_length_cv(h).max() < 1e-12 < limb_length_cv(x).max()


def test_consistent_track_leaves_absent_frames():
    x = np.random.default_rng(2).normal(size=(10, 17, 3))
    present = np.ones(10, bool)
    present[4] = False
    x[4] = np.nan
    c = consistent_track(x, present, 3, tolerance=0.)
    assert np.isnan(c[4]).all() and np.isfinite(c[present]).all()
    assert limb_length_cv(c[present]).max() < 1e-12
    # the default: within BONE_TOLERANCE of the median
    d = consistent_track(x, present, 3)
    b = bone_lengths(d[present])[:, 1:]
    assert np.abs(b / np.median(b, 0) - 1).max() <= BONE_TOLERANCE + 1e-9


def test_smoothing_window_about_a_tenth_of_a_second():
    assert [smoothing_window(f) for f in (None, 12, 25, 30, 50, 100)] == \
        [3, 3, 3, 5, 5, 11]


def test_bone_length_tolerance_is_a_band_around_the_median():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(40, 17, 3))
    med = np.median(bone_lengths(x), 0)
    b = hold_bone_lengths(x, tolerance=0.1)
    got, orig = bone_lengths(b)[:, 1:], bone_lengths(x)[:, 1:]
    lo, hi = 0.9 * med[1:], 1.1 * med[1:]
    assert (got >= lo - 1e-9).all() and (got <= hi + 1e-9).all()
    inside = (orig >= lo) & (orig <= hi)
    assert inside.any() and (~inside).any()
    np.testing.assert_allclose(got[inside], orig[inside])  # kept as is
    np.testing.assert_allclose(hold_bone_lengths(x, tolerance=0.),
                               hold_bone_lengths(x))


def test_consistent_track_without_hold_only_smooths():
    x = np.random.default_rng(4).normal(size=(12, 17, 3))
    np.testing.assert_allclose(consistent_track(x, None, 5, tolerance=None),
                               smooth_track(x, 5))


def test_a_tolerance_outside_0_1_is_refused():
    import pytest
    x = np.random.default_rng(5).normal(size=(4, 17, 3))
    for bad in (-0.1, 1.0, 2.0):
        with pytest.raises(ValueError, match='tolerance must be in'):
            consistent_track(x, None, 3, tolerance=bad)
