"""ZeDO on video windows with ScoreHead.warm_start: the first frame of a
window is the per-frame fit, each next frame starts at the previous
solution (tiny real-config model, random weights)."""
import numpy as np
import pytest
import torch

from poselift_mm.apis.lift import init_lifter, lift_keypoints
from test_lift import (IMAGE, POSE, ZEDO_CFG, one_thread, save_random,  # noqa
                       tiny_config, track, work, write_clusters,
                       zedo_options)

INTR = dict(f=(1000., 1000.), c=(IMAGE[0] / 2, IMAGE[1] / 2))


@pytest.fixture(scope='module')
def models(work):  # noqa: F811
    clusters = write_clusters(work / 'c.npz', np.stack([POSE, POSE * 1.1]),
                              counts=[3, 1])
    cfg = tiny_config(ZEDO_CFG, zedo_options(clusters, num=2))
    ckpt = save_random(cfg, work / 'zedo.pth')
    per_frame = init_lifter(cfg, ckpt, device='cpu')
    cfg.merge_from_dict({'model.num_frames': 4,
                         'model.test_cfg.warm_start': dict(iters=3,
                                                           t_start=0.05)})
    return per_frame, init_lifter(cfg, ckpt, device='cpu')


def test_first_frame_is_the_per_frame_fit(models):
    per_frame, warm = models
    assert warm.num_frames == 4 and per_frame.num_frames is None
    kp, sc = track(8)
    a = lift_keypoints(kp, sc, per_frame, intrinsics=INTR)
    b = lift_keypoints(kp, sc, warm, intrinsics=INTR)
    for res in (a, b):
        assert res['keypoints_3d'].shape == (8, 17, 3)
        assert np.isfinite(res['keypoints_3d']).all()
    # frames 0 and 4 start their windows: IPO + OIL as per frame
    np.testing.assert_allclose(b['keypoints_3d'][[0, 4]],
                               a['keypoints_3d'][[0, 4]], atol=1e-5)
    np.testing.assert_allclose(b['translation'][[0, 4]],
                               a['translation'][[0, 4]], atol=1e-5)
    assert np.abs(b['keypoints_3d'][1:4] - a['keypoints_3d'][1:4]).max() > 0


def test_zero_warm_steps_keep_the_previous_solution(models):
    _, warm = models
    head = warm.head
    cfg = head.check_test_cfg({**warm.test_cfg,
                               'warm_start': dict(iters=0, t_start=0.05)})
    x_prev = torch.as_tensor(POSE)[None] * 1.05
    t_prev = torch.tensor([[0.1, -0.2, 4.]])
    uv = torch.as_tensor(track(1)[0], dtype=torch.float32)
    out = head.warm_lift(uv, torch.ones(1, 17), torch.tensor([[1000.] * 2]),
                         torch.tensor([IMAGE], dtype=torch.float32) / 2,
                         None, None, x_prev, t_prev, cfg)
    assert out['hypotheses'].shape == (1, 1, 17, 3)
    torch.testing.assert_close(out['hypotheses'][:, 0], x_prev)
    torch.testing.assert_close(out['translation'][:, 0], t_prev)


@pytest.mark.parametrize('bad', [dict(iters=10), dict(iters=-1, t_start=.05),
                                 dict(iters=3, t_start=0.), 'yes'])
def test_bad_warm_start_is_named(models, bad):
    _, warm = models
    with pytest.raises(ValueError, match='test_cfg.warm_start must be'):
        warm.head.check_test_cfg({**warm.test_cfg, 'warm_start': bad})
