"""Resampling a pose sequence in time (poselift_mm.geometry.frame_rate)."""
import numpy as np
import pytest

from poselift_mm.geometry.frame_rate import (frame_times, interpolate_frames,
                                             resample_back, resample_sequence,
                                             resample_times, same_rate)

RATES = [(12., 50.), (25., 50.), (30., 50.), (60., 50.), (50., 50.),
         (7.3, 50.), (50., 12.)]


def linear_track(n, fps, k=17):
    """(n, k, 2) positions moving linearly in time (any resampling of a
    linear motion is exact)."""
    t = frame_times(n, fps)[:, None, None]
    base = np.arange(k * 2, dtype=np.float64).reshape(1, k, 2)
    return base + t * np.array([3., -7.])


@pytest.mark.parametrize('src,dst', RATES)
def test_linear_motion_is_exact_both_ways(src, dst):
    x = linear_track(40, src)
    y = resample_sequence(x, src, dst)
    t = resample_times(40, src, dst)
    assert y.shape == (len(t), 17, 2)
    assert len(t) == int(np.ceil(39 * dst / src - 1e-9)) + 1
    inside = t <= 39 / src + 1e-12
    expected = linear_track(len(t), dst)
    np.testing.assert_allclose(y[inside], expected[inside], atol=1e-9)
    # the one sample past the last frame holds it
    assert (~inside).sum() <= 1
    if (~inside).any():
        np.testing.assert_allclose(y[-1], x[-1])
    np.testing.assert_allclose(resample_back(y, src, dst, 40), x, atol=1e-9)


def test_times_cover_the_source():
    t = resample_times(40, 12., 50.)
    assert t[0] == 0. and np.allclose(np.diff(t), 0.02)
    assert t[-2] < 39 / 12. <= t[-1] < 39 / 12. + 0.02
    assert len(resample_times(200, 50., 25.)) == 101
    assert len(resample_times(1, 12., 50.)) == 1


def test_same_rate_is_identity():
    x = np.random.default_rng(0).normal(size=(33, 17, 3))
    np.testing.assert_array_equal(resample_sequence(x, 50., 50.), x)
    assert same_rate(50., 50.02) and not same_rate(50., 48.)


def test_nan_spreads_only_between_its_neighbours():
    x = np.arange(10, dtype=np.float64)[:, None].repeat(2, 1)
    x[4, 0] = np.nan
    t = np.array([3., 3.5, 4., 4.5, 5., 6.])
    y = interpolate_frames(x, np.arange(10.), t)
    np.testing.assert_array_equal(np.isnan(y[:, 0]),
                                  [False, True, True, True, False, False])
    np.testing.assert_allclose(y[:, 1], t)
    np.testing.assert_allclose(y[[0, 4, 5], 0], [3., 5., 6.])


def test_single_frame_and_errors():
    x = np.ones((1, 17, 2))
    np.testing.assert_array_equal(resample_sequence(x, 12., 50.), x)
    with pytest.raises(ValueError, match='frame rates must be finite'):
        resample_sequence(x, 0., 50.)
    with pytest.raises(ValueError, match='frame rates must be finite'):
        resample_times(3, 12., float('nan'))
    with pytest.raises(ValueError, match='samples'):
        resample_back(np.ones((5, 17, 3)), 12., 50., 40)
    with pytest.raises(ValueError, match='must increase'):
        interpolate_frames(np.ones((3, 2)), [0., 2., 1.], [0.5])


def test_skip_nan_takes_the_valid_neighbour():
    x = np.array([[0.], [np.nan], [2.], [np.nan], [np.nan]])
    t = np.array([0.5, 1., 2.5, 3.5, 2.])
    y = interpolate_frames(x, np.arange(5.), t, skip_nan=True)
    np.testing.assert_array_equal(y[:, 0], [0., np.nan, 2., np.nan, 2.])
    # 3 frames at 30 fps: 5 samples at 50 Hz; frame 1 (1/30 s) lies
    # between samples 1 and 2, the last frame is the held last sample
    y50 = np.array([[0.], [1.], [np.nan], [3.], [4.]])
    back = resample_back(y50, 30., 50., 3, skip_nan=True)
    np.testing.assert_allclose(back[:, 0], [0., 1., 4.])
    assert np.isnan(resample_back(y50, 30., 50., 3)[1, 0])
