"""The infant joint mappings to Human3.6M-17."""
import numpy as np
import pytest

from poselift_mm.datasets.infant import (LSP14_NAMES, MINI_RGBD_NAMES,
                                         MINI_RGBD_TO_H36M,
                                         SYRIP_LIMB_JOINTS,
                                         coco_to_h36m_2d, lsp14_to_h36m,
                                         mini_rgbd_to_h36m)
from poselift_mm.geometry.skeleton import H36M17_NAMES


def _side(name):
    return {'r': 'right', 'l': 'left'}.get(name.split('_')[0])


def test_lsp14_copies_by_name_and_synthesises_the_trunk():
    x = np.random.default_rng(0).normal(size=(2, 14, 3))
    h = lsp14_to_h36m(x)
    assert h.shape == (2, 17, 3)
    aliases = {'ankle': 'foot'}
    for i, name in enumerate(LSP14_NAMES[:12]):
        part = name.split('_')[1]
        j = H36M17_NAMES.index(f'{_side(name)}_{aliases.get(part, part)}')
        np.testing.assert_array_equal(h[:, j], x[:, i])
    np.testing.assert_array_equal(h[:, 8], x[:, 12])  # neck -> thorax
    np.testing.assert_array_equal(h[:, 10], x[:, 13])  # head top -> head
    np.testing.assert_allclose(h[:, 0], (x[:, 2] + x[:, 3]) / 2)
    np.testing.assert_allclose(h[:, 7], (h[:, 0] + h[:, 8]) / 2)
    np.testing.assert_allclose(h[:, 9], (h[:, 8] + h[:, 10]) / 2)
    # the scored limb joints are exactly the 12 copied ones
    assert sorted(SYRIP_LIMB_JOINTS) == sorted(
        H36M17_NAMES.index(n) for n in H36M17_NAMES
        if n.startswith(('left_', 'right_')))
    with pytest.raises(ValueError, match='14 joints'):
        lsp14_to_h36m(np.zeros((17, 3)))


def test_coco_2d_scores():
    rng = np.random.default_rng(1)
    kp = rng.uniform(0, 500, (3, 17, 2))
    v = np.full((3, 17), 2.)
    v[1, 11] = 0.  # left hip unlabelled
    v[2, 6] = 1.  # right shoulder occluded but labelled
    uv, sc = coco_to_h36m_2d(kp, v)
    assert uv.shape == (3, 17, 2) and sc.shape == (3, 17)
    np.testing.assert_allclose(uv[:, 0], (kp[:, 11] + kp[:, 12]) / 2)
    np.testing.assert_array_equal(uv[:, 16], kp[:, 10])  # right wrist
    assert (sc[:, [9, 10]] == 0).all()  # no 2D for neck base and head
    assert sc[0, [0, 1, 8, 11]].tolist() == [1, 1, 1, 1]
    assert sc[1, 4] == 0 and sc[1, 0] == 0 and sc[1, 7] == 0  # hip chain
    assert sc[2, 14] == 1
    _, sc_all = coco_to_h36m_2d(kp, v, no_2d=())
    assert sc_all[0, 9] == 1


def test_mini_rgbd_rules():
    x = np.arange(25 * 3, dtype=float).reshape(25, 3)
    a = mini_rgbd_to_h36m(x)
    names = [MINI_RGBD_NAMES[i] for i in MINI_RGBD_TO_H36M['anatomical']]
    assert names[:7] == ['global', 'rightThigh', 'rightCalf', 'rightFoot',
                         'leftThigh', 'leftCalf', 'leftFoot']
    assert names[11:] == ['leftUpperArm', 'leftForeArm', 'leftHand',
                          'rightUpperArm', 'rightForeArm', 'rightHand']
    np.testing.assert_array_equal(a[3], x[8])
    z = mini_rgbd_to_h36m(x, 'zedo')
    np.testing.assert_array_equal(z[3], x[11])  # ZeDO: toes as ankles
    assert len(set(MINI_RGBD_TO_H36M['anatomical'])) == 17
    with pytest.raises(ValueError, match='rule'):
        mini_rgbd_to_h36m(x, 'other')
    with pytest.raises(ValueError, match='25 joints'):
        mini_rgbd_to_h36m(x[:24])
