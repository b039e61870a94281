"""Hand-computed checks of poselift_mm.evaluation.functional."""
import numpy as np
import pytest
import torch

from poselift_mm.evaluation.functional import (
    AUC_THRESHOLDS_MM, aggregate_by_reprojection, auc3d, best_of_hypotheses,
    joint_errors, masked_mean, mpjpe_mm, n_mpjpe, pck3d,
    reduce_hypothesis_errors, scale_align)

# Six points on the axes, centroid 0: P^T P = diag(2*3^2, 2*2^2, 2*1^2)
# = diag(18, 8, 2), so the Procrustes fit of the x-mirrored copy is exact
# with a reflection, and without one the best rotation also flips z (the
# axis of the smallest singular value): R = diag(-1, 1, -1),
# scale = (18 + 8 - 2) / 28 = 6/7. Errors: x points 3(1 - 6/7) = 3/7,
# y points 2/7, z points 1 + 6/7 = 13/7; mean (2*3 + 2*2 + 2*13)/(7*6) = 6/7.
AXES = np.array([[3., 0, 0], [-3, 0, 0], [0, 2, 0], [0, -2, 0], [0, 0, 1],
                 [0, 0, -1]])
MIRROR_X = AXES * np.array([-1., 1, 1])


def test_mpjpe_mm_metres_to_mm():
    target = np.zeros((2, 4, 3))
    pred = target + np.array([0.003, 0.004, 0.0])  # 5 mm on every joint
    np.testing.assert_allclose(mpjpe_mm(pred, target), [5.0, 5.0])


def test_mpjpe_mm_mask_averages_visible_joints_only():
    target = np.zeros((1, 3, 3))
    pred = np.array([[[0.001, 0, 0], [0.002, 0, 0], [0.1, 0, 0]]])
    mask = np.array([[True, True, False]])
    # (1 + 2) / 2 = 1.5 mm; the 100 mm joint is masked out
    np.testing.assert_allclose(mpjpe_mm(pred, target, mask=mask), [1.5])


def test_scale_align_and_n_mpjpe_by_hand():
    target = np.array([[1., 0, 0], [0, 1, 0]])
    # pred = 2 * target: s = <p,t>/<p,p> = 4 / 8 = 0.5 -> exact
    assert n_mpjpe(2 * target, target) == pytest.approx(0.0)
    # pred [[2,0,0],[0,0,0]]: s = 2/4 = 0.5 -> [[1,0,0],[0,0,0]],
    # errors [0, 1] -> 0.5
    pred = np.array([[2., 0, 0], [0, 0, 0]])
    np.testing.assert_allclose(scale_align(pred, target),
                               [[1, 0, 0], [0, 0, 0]])
    assert n_mpjpe(pred, target) == pytest.approx(0.5)


def test_procrustes_reflection_case():
    no_refl = joint_errors(MIRROR_X, AXES, 'procrustes', False)
    np.testing.assert_allclose(no_refl, np.array([3, 3, 2, 2, 13, 13]) / 7,
                               atol=1e-9)
    assert no_refl.mean() == pytest.approx(6 / 7)
    with_refl = joint_errors(MIRROR_X, AXES, 'procrustes', True)
    np.testing.assert_allclose(with_refl, 0.0, atol=1e-9)


def test_joint_errors_keeps_torch_and_bad_alignment():
    out = joint_errors(torch.zeros(2, 3), torch.ones(2, 3))
    assert isinstance(out, torch.Tensor)
    torch.testing.assert_close(out, torch.full((2, ), 3**0.5))
    with pytest.raises(ValueError, match='alignment'):
        joint_errors(AXES, AXES, 'affine')
    with pytest.raises(ValueError, match='non-finite'):
        joint_errors(np.full((2, 3), np.nan), AXES[:2])


# K = 3 (root + 2 joints), H = 3 hypotheses, offsets along z in mm:
#   h0: j1 +0, j2 +6  -> joint errors [0, 0, 6], pose mean 2
#   h1: j1 +4, j2 +0  -> [0, 4, 0], mean 4/3
#   h2: j1 -3, j2 -3  -> [0, 3, 3], mean 2
GT3 = np.array([[0., 0, 0], [10, 0, 0], [0, 10, 0]])
DZ = np.array([[0., 0, 6], [0, 4, 0], [0, -3, -3]])  # (H, K) z offsets
HYPS3 = GT3[None] + DZ[..., None] * np.array([0., 0, 1])
REPROJ3 = np.array([[0., 5, 1], [0, 9, 9], [0, 2, 8]])  # j1 -> h2, j2 -> h0


def test_best_of_hypotheses_joint_and_pose():
    pose, idx = best_of_hypotheses(HYPS3, GT3, 'joint')
    np.testing.assert_array_equal(idx, [0, 0, 1])  # root: tie -> first
    np.testing.assert_allclose(pose, GT3)  # J-Best error 0
    pose, idx = best_of_hypotheses(HYPS3, GT3, 'pose')
    assert int(idx) == 1  # mean errors 2, 4/3, 2
    np.testing.assert_allclose(joint_errors(pose, GT3), [0, 4, 0])


def test_aggregate_by_reprojection_picks_lowest_2d_error():
    pose, idx = aggregate_by_reprojection(HYPS3, REPROJ3)
    np.testing.assert_array_equal(idx, [0, 2, 0])
    np.testing.assert_allclose(joint_errors(pose, GT3), [0, 3, 6])
    with pytest.raises(ValueError, match='hypotheses_reproj_error'):
        aggregate_by_reprojection(HYPS3, REPROJ3[:, :2])


def test_reduce_hypothesis_errors_rules():
    errors = np.abs(DZ)  # (H, K) the same numbers as above
    np.testing.assert_allclose(reduce_hypothesis_errors(errors, 'j-best'),
                               [0, 0, 0])
    np.testing.assert_allclose(reduce_hypothesis_errors(errors, 'p-best'),
                               [0, 4, 0])
    np.testing.assert_allclose(
        reduce_hypothesis_errors(errors, 'j-agg', reproj_error_px=REPROJ3),
        [0, 3, 6])
    # joints 0, 2 only: h0 (0+6)/2 = 3, h1 0, h2 1.5 -> h1 stays best
    mask = np.array([True, False, True])
    np.testing.assert_allclose(
        reduce_hypothesis_errors(errors, 'p-best', mask=mask), [0, 4, 0])
    mask = np.array([True, True, False])  # h0 0, h1 2, h2 1.5 -> h0
    np.testing.assert_allclose(
        reduce_hypothesis_errors(errors, 'p-best', mask=mask), [0, 0, 6])


def test_pck_and_auc_by_hand():
    errors = np.array([[0.0, 50.0, 149.0, 150.0]])
    # strict '<': 0, 50, 149 pass at 150 mm -> 75 %
    assert pck3d(errors, 150.0) == pytest.approx(75.0)
    # thresholds 0..150 step 5: error 0 passes 30 (5..150), error 50 passes
    # 20 (55..150), 149 passes 1 (150), 150 none -> 51 / (4 * 31)
    assert len(AUC_THRESHOLDS_MM) == 31
    assert auc3d(errors) == pytest.approx(100 * 51 / 124)
    np.testing.assert_allclose(pck3d(errors, [0, 50, 55]), [0, 25, 50])
    # mask drops the 150 mm joint: 3/3 pass
    assert pck3d(errors, 150, mask=[[1, 1, 1, 0]]) == pytest.approx(100.0)


def test_masked_mean_nan_when_nothing_visible():
    out = masked_mean(np.ones((1, 2)), np.zeros((1, 2), bool))
    assert np.isnan(out).all()
