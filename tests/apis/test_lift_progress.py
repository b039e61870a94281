"""The progress bar of long lifting loops (poselift_mm.utils.progress):
off for short inputs and when stderr is not a terminal (tests, logs), on
when asked with POSELIFT_PROGRESS=1; lift_keypoints uses it."""
import numpy as np
import pytest

from poselift_mm.utils.progress import (MIN_ITEMS, progress_range,
                                        progress_wanted)


def test_same_values_as_range_and_quiet_by_default(capsys, monkeypatch):
    monkeypatch.delenv('POSELIFT_PROGRESS', raising=False)
    assert list(progress_range(10, 3)) == [0, 3, 6, 9]
    assert not progress_wanted(10 * MIN_ITEMS)  # stderr is no terminal
    assert list(progress_range(2 * MIN_ITEMS, MIN_ITEMS)) == [0, MIN_ITEMS]
    assert capsys.readouterr().err == ''


def test_asked_for_or_refused(capsys, monkeypatch):
    monkeypatch.setenv('POSELIFT_PROGRESS', '1')
    assert list(progress_range(10, 4)) == [0, 4, 8]
    err = capsys.readouterr().err
    assert '10/10' in err and '100%' in err
    monkeypatch.setenv('POSELIFT_PROGRESS', '0')
    assert not progress_wanted(10 * MIN_ITEMS)


def test_long_input_on_a_terminal(monkeypatch):
    import sys
    monkeypatch.delenv('POSELIFT_PROGRESS', raising=False)
    monkeypatch.setattr(sys.stderr, 'isatty', lambda: True, raising=False)
    assert progress_wanted(MIN_ITEMS)
    assert not progress_wanted(MIN_ITEMS - 1)


@pytest.fixture(scope='module')
def diffpose():
    from poselift_mm.apis import init_lifter, model_zoo
    cfg, weights = model_zoo.resolve_lifter('diffpose')
    return init_lifter(cfg, weights, device='cpu')


def test_lift_keypoints_shows_the_bar_when_asked(diffpose, capsys,
                                                 monkeypatch,
                                                 standing_h36m_px):
    from poselift_mm.apis import lift_keypoints
    rng = np.random.default_rng(0)
    # a standing Human3.6M-17 skeleton in pixels, jittered over 30 frames
    kp = standing_h36m_px + rng.normal(0, 2, (30, 17, 2))
    monkeypatch.setenv('POSELIFT_PROGRESS', '1')
    out = lift_keypoints(kp, None, diffpose, image_size=(1000, 1000),
                         keypoint_format='h36m', batch_size=8)
    assert out['keypoints_3d'].shape == (30, 17, 3)
    err = capsys.readouterr().err
    assert 'lifting' in err and '30/30' in err
    monkeypatch.delenv('POSELIFT_PROGRESS')
    again = lift_keypoints(kp, None, diffpose, image_size=(1000, 1000),
                           keypoint_format='h36m', batch_size=8)
    assert 'lifting' not in capsys.readouterr().err
    np.testing.assert_allclose(again['keypoints_3d'], out['keypoints_3d'],
                               atol=1e-6)
