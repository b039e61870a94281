"""JointSubsetMPJPE: the scored joints only, each pose centred on the mean
of its root joints, P-MPJPE aligned on the scored joints only."""
import numpy as np
import pytest
from mmpose.registry import METRICS

import poselift_mm  # noqa: F401
from poselift_mm.geometry import procrustes_align

LIMBS = (1, 2, 3, 4, 5, 6, 11, 12, 13, 14, 15, 16)


def _sample(pred, gt, hyps=None):
    pred_inst = dict(keypoints=pred[None])
    if hyps is not None:
        pred_inst.update(hypotheses=hyps[None],
                         hypotheses_reproj_error=np.zeros(hyps.shape[:2]
                                                          )[None])
    return dict(pred_instances=pred_inst,
                gt_instances=dict(lifting_target=gt[None],
                                  lifting_target_visible=np.ones((1, 17))),
                target_img_path=['x.jpg'])


def _metric(**kw):
    return METRICS.build(dict(type='JointSubsetMPJPE', joints=LIMBS,
                              root_joints=(1, 4), per_action=False, **kw))


def _expected(pred, gt):
    sub = lambda x: x[LIMBS, :] - x[[1, 4]].mean(0)  # noqa: E731
    p, g = sub(pred), sub(gt)
    return (np.linalg.norm(p - g, axis=-1).mean() * 1000,
            np.linalg.norm(procrustes_align(p, g) - g, axis=-1).mean() * 1000)


def test_scores_the_limbs_about_the_mid_hip():
    rng = np.random.default_rng(0)
    gt = rng.normal(0, 0.1, (17, 3))
    pred = gt + rng.normal(0, 0.02, (17, 3))
    pred[[0, 7, 8, 9, 10]] += 5.  # unscored joints, far off
    pred += 3.  # a global offset: removed by the centring
    m = _metric()
    m.process({}, [_sample(pred, gt)])
    out = m.compute_metrics(m.results)
    mp, pa = _expected(pred, gt)
    assert out['MPJPE'] == pytest.approx(mp, rel=1e-6)
    assert out['P-MPJPE'] == pytest.approx(pa, rel=1e-6)
    assert out['MPJPE'] < 100  # the far joints are not scored


def test_hypotheses_and_refusals():
    rng = np.random.default_rng(1)
    gt = rng.normal(0, 0.1, (17, 3))
    hyps = np.stack([gt + rng.normal(0, s, (17, 3)) for s in (0.01, 0.05)])
    m = _metric(oracle=True)
    m.process({}, [_sample(hyps[1], gt, hyps)])
    out = m.compute_metrics(m.results)
    assert out['MPJPE(P-Best)'] == pytest.approx(_expected(hyps[0], gt)[0],
                                                 rel=1e-6)
    with pytest.raises(ValueError, match='root_index'):
        _metric(root_index=0)
    with pytest.raises(ValueError, match='zedo'):
        _metric(hypotheses_protocol='zedo')
