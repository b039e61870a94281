"""PCK3DMetric (MPI-INF-3DHP protocol) against hand-computed values."""
import numpy as np
import pytest
from mmengine.evaluator import Evaluator
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData
from mmpose.structures import PoseDataSample

from poselift_mm.evaluation.metrics.pck3d_metric import (PCK3DMetric,
                                                         sequence_name)

RNG = np.random.default_rng(0)
GT = RNG.normal(size=(17, 3)) * 0.3 + [0, 0, 3.0]  # metres, 3DHP order

# x offsets (mm) of the 14 scored joints 0..13; 14 (root), 15, 16 exact.
# PCK@150 (strict <): 0, 52, 149 pass -> 3/14. AUC over 0:5:150: 0 passes 30
# thresholds, 52 passes 20 (55..150), 149 passes 1, 151 and 200 none
# -> 51 / (14 * 31). MPJPE over all 17: (52+149+151+10*200) / 17 = 2352/17.
OFFSETS_MM = np.array([0, 52, 149, 151] + [200] * 10 + [0, 0, 0], float)


def make_sample(gt, pred, name):
    ds = PoseDataSample(metainfo=dict(target_img_path=[name]))
    ds.gt_instances = InstanceData(lifting_target=gt[None],
                                   lifting_target_visible=np.ones((1, 17)))
    ds.pred_instances = InstanceData(keypoints=pred[None])
    return ds


def shifted(offsets_mm):
    return GT + np.outer(offsets_mm / 1000, [1, 0, 0])


def run(samples, **cfg):
    evaluator = Evaluator(PCK3DMetric(**cfg))
    evaluator.process(samples)
    return evaluator.evaluate(len(samples))


def test_pck_auc_mpjpe_by_hand_per_sequence():
    samples = [
        make_sample(GT, shifted(OFFSETS_MM), 'TS1_000001.jpg'),
        make_sample(GT, GT.copy(), 'TS2_000001.jpg'),
        make_sample(GT, GT.copy(), 'TS2_000002.jpg'),
    ]
    out = run(samples)
    assert out['PCK_TS1'] == pytest.approx(100 * 3 / 14)
    assert out['AUC_TS1'] == pytest.approx(100 * 51 / (14 * 31))
    assert out['MPJPE_TS1'] == pytest.approx(2352 / 17)
    # exact joints pass every threshold but 0 mm: 30/31
    assert out['PCK_TS2'] == pytest.approx(100.0)
    assert out['AUC_TS2'] == pytest.approx(100 * 30 / 31)
    assert out['MPJPE_TS2'] == pytest.approx(0.0)
    # pooled over the 3 frames (official "All") vs mean over sequences
    assert out['PCK'] == pytest.approx(100 * (3 + 28) / 42)
    assert out['AUC'] == pytest.approx(100 * (51 + 2 * 14 * 30) / (42 * 31))
    assert out['MPJPE'] == pytest.approx(2352 / 17 / 3)
    assert out['PCK(seq-avg)'] == pytest.approx((100 * 3 / 14 + 100) / 2)
    assert out['MPJPE(seq-avg)'] == pytest.approx(2352 / 17 / 2)


def test_root_alignment_and_joint_subset():
    # a global 1 m shift vanishes after root alignment at joint 14
    out = run([make_sample(GT, GT + 1.0, 'TS1_000001.jpg')])
    assert out['PCK'] == pytest.approx(100.0)
    assert out['MPJPE'] == pytest.approx(0.0, abs=1e-9)
    # spine (15) and head (16) 300 mm off: outside the 14 scored joints
    off = np.zeros(17)
    off[15:] = 300
    out = run([make_sample(GT, shifted(off), 'TS1_000001.jpg')])
    assert out['PCK'] == pytest.approx(100.0)
    assert out['MPJPE'] == pytest.approx(600 / 17)
    # all 17 joints (ZeDO / MMPose 0.x): 15/17 pass
    out = run([make_sample(GT, shifted(off), 'TS1_000001.jpg')],
              joint_indices=None)
    assert out['PCK'] == pytest.approx(100 * 15 / 17)


def test_registry_build_and_no_sequences():
    init_default_scope('mmpose')
    evaluator = Evaluator(dict(type='PCK3DMetric', per_sequence=False))
    assert isinstance(evaluator.metrics[0], PCK3DMetric)
    evaluator.process([make_sample(GT, shifted(OFFSETS_MM), 'x.jpg')])
    out = evaluator.evaluate(1)
    assert set(out) == {'PCK', 'AUC', 'MPJPE'}
    assert out['PCK'] == pytest.approx(100 * 3 / 14)


def test_sequence_names():
    assert sequence_name('TS1_002001.jpg') == 'TS1'
    assert sequence_name('S4/S4_Seq2_Cam0_001033.jpg') == 'S4_Seq2_Cam0'


def test_bad_input():
    ds = make_sample(GT, GT.copy(), 'TS1_000001.jpg')
    ds.pred_instances.keypoints[0, 3, 1] = np.nan
    with pytest.raises(ValueError, match='keypoints.*non-finite'):
        PCK3DMetric().process(None, [ds.to_dict()])
    ds = make_sample(GT[:14], GT[:14].copy(), 'TS1_000001.jpg')
    ds.gt_instances.lifting_target_visible = np.ones((1, 14))
    with pytest.raises(ValueError, match='out of range'):
        PCK3DMetric().process(None, [ds.to_dict()])


def test_real_3dhp_frames(shared_data):
    """2 real MPI-INF-3DHP test frames (TS1, TS2): 102 mm on every non-root
    joint along x (off the 5 mm grid, so no float ties) passes PCK@150 and
    the AUC thresholds 105..150 only."""
    path = shared_data / 'mmpose_samples' / 'mpi_inf_3dhp' / \
        'test_3dhp_test.npz'
    if not path.is_file():
        pytest.skip(f'{path} is absent')
    ann = np.load(path)
    samples = []
    for s, name in zip(ann['S'], ann['imgname']):
        gt = s[:, :3].astype(np.float64)
        pred = gt.copy()
        pred[np.arange(17) != 14] += [0.102, 0, 0]
        samples.append(make_sample(gt, pred, str(name)))
    out = run(samples)
    assert out['PCK'] == pytest.approx(100.0)
    assert out['AUC'] == pytest.approx(100 * 10 / 31)  # 10 of 31
    assert out['MPJPE'] == pytest.approx(16 * 102 / 17)
    assert out['PCK_TS1'] == out['PCK_TS2'] == pytest.approx(100.0)
