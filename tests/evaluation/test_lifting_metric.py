"""LiftingMPJPE against hand-computed values, inside mmengine's Evaluator."""
from unittest import mock

import numpy as np
import pytest
import torch
from mmengine.evaluator import Evaluator
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData
from mmpose.registry import METRICS
from mmpose.structures import PoseDataSample

from poselift_mm.evaluation.metrics import lifting_metric
from poselift_mm.evaluation.metrics.lifting_metric import LiftingMPJPE


def make_sample(gt_m, pred_m, name='S9_Directions_1.54138969_000001.jpg',
                hyps=None, reproj=None, visible=None):
    """One PoseDataSample as MMPose's PackPoseInputs + a lifter build it."""
    gt_m = np.asarray(gt_m, dtype=np.float64)
    ds = PoseDataSample(metainfo=dict(target_img_path=[name]))
    gt = InstanceData()
    gt.lifting_target = gt_m[None]
    gt.lifting_target_visible = np.ones((1, len(gt_m)), np.float32) \
        if visible is None else np.asarray(visible, np.float32)[None]
    ds.gt_instances = gt
    pred = InstanceData()
    pred.keypoints = np.asarray(pred_m)[None]
    if hyps is not None:
        pred.hypotheses = np.asarray(hyps)[None]
    if reproj is not None:
        pred.hypotheses_reproj_error = np.asarray(reproj)[None]
    ds.pred_instances = pred
    return ds


def run(samples, **cfg):
    evaluator = Evaluator(LiftingMPJPE(**cfg))
    evaluator.process(samples)
    return evaluator.evaluate(len(samples))


def bone(d_mm, x0=0.0):
    """K=2: root at (x0, 0, 5) m and one joint d_mm away along x."""
    return np.array([[x0, 0, 5.0], [x0 + d_mm / 1000, 0, 5.0]])


def test_known_10mm_error_is_logged_as_10():
    gt = np.random.default_rng(0).normal(size=(17, 3)) + [0, 0, 4.0]
    shifted = gt + [0.01, 0, 0]  # 10 mm on every joint, root included
    out = run([make_sample(gt, shifted)], root_index=None)
    assert out['MPJPE'] == pytest.approx(10.0)
    assert out['MPJPE_all'] == pytest.approx(10.0)
    assert out['MPJPE_Directions'] == pytest.approx(10.0)
    assert out['P-MPJPE'] == pytest.approx(0.0, abs=1e-6)
    # root-aligned, the global shift vanishes
    assert run([make_sample(gt, shifted)])['MPJPE'] == pytest.approx(0.0)


def test_per_action_mean_differs_from_sample_mean():
    # root-relative pred vs absolute GT; joint errors 20, 40, 120 mm on the
    # non-root joint -> frame MPJPE (0 + d) / 2 = 10, 20, 60 mm.
    names = ['S9_Directions_1.54138969_000001.jpg',
             'S9_Directions.55011271_000002.jpg',
             'S11_Eating_2.54138969_000003.jpg']
    samples = [
        make_sample(bone(100), bone(100 + d, x0=-1.0), n)
        for d, n in zip((20, 40, 120), names)
    ]
    out = run(samples)
    assert out['MPJPE_Directions'] == pytest.approx(15.0)  # (10 + 20) / 2
    assert out['MPJPE_Eating'] == pytest.approx(60.0)
    assert out['MPJPE'] == pytest.approx(37.5)  # (15 + 60) / 2
    assert out['MPJPE_all'] == pytest.approx(30.0)  # (10 + 20 + 60) / 3
    flat = run(samples, per_action=False)
    assert flat['MPJPE'] == pytest.approx(30.0)
    assert not any(k.startswith('MPJPE_D') for k in flat)


def test_n_mpjpe_and_p_mpjpe_of_a_scaled_pose():
    # GT j1 at 100 mm, pred at 200 mm: MPJPE (0 + 100) / 2 = 50;
    # N-MPJPE s = <p,t>/<p,p> = 0.02 / 0.04 = 0.5 -> 0; 2 points -> P exact
    out = run([make_sample(bone(100), bone(200))])
    assert out['MPJPE'] == pytest.approx(50.0)
    assert out['N-MPJPE'] == pytest.approx(0.0, abs=1e-9)
    assert out['P-MPJPE'] == pytest.approx(0.0, abs=1e-6)


def test_p_mpjpe_reflection_case():
    # Axis points (units of 0.1 m) and their x-mirror: see test_functional,
    # no-reflection P-MPJPE = 6/7 of 0.1 m = 85.714 mm, with reflection 0.
    axes = np.array([[3., 0, 0], [-3, 0, 0], [0, 2, 0], [0, -2, 0],
                     [0, 0, 1], [0, 0, -1]]) * 0.1
    mirrored = axes * [-1, 1, 1]
    sample = [make_sample(axes + [0, 0, 3], mirrored)]
    assert run(sample)['P-MPJPE'] == pytest.approx(600 / 7)
    assert run(sample, allow_reflection=True)['P-MPJPE'] == pytest.approx(
        0.0, abs=1e-6)


# K = 3, H = 3; z offsets (mm) per hypothesis and joint, see test_functional:
# J-Best 0, P-Best h1 -> (0 + 4 + 0)/3, mean offsets (1/3, 1) -> 4/9,
# J-Agg takes j1 from h2 (3 mm) and j2 from h0 (6 mm) -> 3.
GT3 = np.array([[0., 0, 0], [10, 0, 0], [0, 10, 0]]) / 1000
DZ = np.array([[0., 0, 6], [0, 4, 0], [0, -3, -3]]) / 1000
HYPS3 = GT3[None] + DZ[..., None] * np.array([0., 0, 1])
REPROJ3 = np.array([[0., 5, 1], [0, 9, 9], [0, 2, 8]])


@pytest.mark.parametrize('protocol', ['pose', 'd3dp'])
def test_multi_hypothesis_aggregates(protocol):
    gt = GT3 + [0.5, 0, 4.0]  # absolute GT; hypotheses root-relative
    sample = make_sample(gt, HYPS3.mean(0), hyps=HYPS3, reproj=REPROJ3)
    out = run([sample], hypotheses_protocol=protocol)
    assert out['MPJPE'] == pytest.approx(4 / 9)
    assert out['MPJPE(mean)'] == pytest.approx(4 / 9)
    assert out['MPJPE(J-Agg)'] == pytest.approx(3.0)
    assert out['MPJPE(J-Best)'] == pytest.approx(0.0)
    assert out['MPJPE(P-Best)'] == pytest.approx(4 / 3)
    assert out['MPJPE(J-Agg)_all'] == pytest.approx(3.0)
    if protocol == 'pose':  # the J-Best pose is exact
        assert out['P-MPJPE(J-Best)'] == pytest.approx(0.0, abs=1e-6)
    else:  # each hypothesis aligned on its own, then per-joint minimum
        assert 0 < out['P-MPJPE(J-Best)'] <= out['P-MPJPE(P-Best)']
    for agg in ('mean', 'J-Agg', 'P-Best'):
        assert out[f'P-MPJPE({agg})'] <= out[f'MPJPE({agg})'] + 1e-9
    assert 'MPJPE(J-Agg)_Directions' not in out  # per action: prediction only
    no_oracle = run([sample], oracle=False)
    assert 'MPJPE(J-Best)' not in no_oracle and 'MPJPE(J-Agg)' in no_oracle


def test_d3dp_protocol_aligns_each_hypothesis():
    # P-MPJPE(J-Best) under 'd3dp' is the per-joint min of the separately
    # aligned hypotheses: never above the per-hypothesis P-MPJPE errors.
    rng = np.random.default_rng(1)
    gt = rng.normal(size=(17, 3)) * 0.2
    hyps = gt[None] + rng.normal(size=(5, 17, 3)) * 0.03
    sample = make_sample(gt, hyps.mean(0), hyps=hyps,
                         reproj=rng.uniform(size=(5, 17)))
    d3dp = run([sample], hypotheses_protocol='d3dp')
    pose = run([sample], hypotheses_protocol='pose')
    for agg in ('mean', 'J-Agg', 'J-Best', 'P-Best'):  # unaligned: same
        assert d3dp[f'MPJPE({agg})'] == pytest.approx(pose[f'MPJPE({agg})'])
    assert d3dp['P-MPJPE(J-Best)'] <= d3dp['P-MPJPE(P-Best)']
    assert d3dp['P-MPJPE(mean)'] == pytest.approx(pose['P-MPJPE(mean)'])


def test_j_agg_skipped_with_one_warning_without_reproj_error():
    metric = LiftingMPJPE()
    samples = [make_sample(GT3, HYPS3.mean(0), hyps=HYPS3).to_dict()
               for _ in range(2)]
    with mock.patch.object(lifting_metric, 'print_log') as log:
        metric.process(None, samples[:1])
        metric.process(None, samples[1:])
    assert log.call_count == 1
    assert 'J-Agg' in log.call_args[0][0]
    out = metric.evaluate(2)
    assert 'MPJPE(J-Agg)' not in out
    assert out['MPJPE(P-Best)'] == pytest.approx(4 / 3)


def test_hypotheses_on_some_samples_only_are_not_reported():
    metric = LiftingMPJPE()
    metric.process(None, [
        make_sample(GT3, GT3, hyps=HYPS3, reproj=REPROJ3),
        make_sample(GT3, GT3)
    ])
    with mock.patch.object(lifting_metric, 'print_log') as log:
        out = metric.evaluate(2)
    assert log.call_count == 1
    assert 'MPJPE(mean)' not in out and out['MPJPE'] == pytest.approx(0.0)


def test_masked_joints_are_not_averaged():
    # joint 1 is 100 mm off but invisible: MPJPE over root only = 0
    out = run([make_sample(bone(100), bone(200), visible=[1, 0])])
    assert out['MPJPE'] == pytest.approx(0.0)
    with pytest.raises(ValueError, match='lifting_target_visible'):
        run([make_sample(bone(100), bone(200), visible=[0, 0])])


def test_multi_frame_targets_and_torch_predictions():
    # T = 2 frames: (1, T, K, 3) prediction, (T, K, 3) target, 2 names
    ds = PoseDataSample(metainfo=dict(target_img_path=[
        'S9_Walking_1.54138969_000001.jpg', 'S9_Walking_1.54138969_000002.jpg'
    ]))
    ds.gt_instances = InstanceData(
        lifting_target=np.stack([bone(100), bone(100)]))
    ds.pred_instances = InstanceData(keypoints=torch.tensor(
        np.stack([bone(120), bone(140)])[None]))
    out = run([ds])
    assert out['MPJPE'] == pytest.approx(15.0)  # (10 + 20) / 2
    assert out['MPJPE_Walking'] == pytest.approx(15.0)


def test_skip_list_and_registry_build():
    init_default_scope('mmpose')
    evaluator = Evaluator(dict(type='LiftingMPJPE', skip_list=['S9_Eating']))
    assert isinstance(evaluator.metrics[0], LiftingMPJPE)
    assert METRICS.get('LiftingMPJPE') is LiftingMPJPE
    evaluator.process([
        make_sample(bone(100), bone(120)),
        make_sample(bone(100), bone(900), 'S9_Eating.54138969_000001.jpg')
    ])
    out = evaluator.evaluate(2)
    assert out['MPJPE'] == pytest.approx(10.0)
    assert 'MPJPE_Eating' not in out


def test_prefix():
    out = run([make_sample(bone(100), bone(120))], prefix='h36m')
    assert out['h36m/MPJPE'] == pytest.approx(10.0)


@pytest.mark.parametrize('change, field', [
    (lambda d: d.pred_instances.pop('keypoints'), "'keypoints'"),
    (lambda d: setattr(d.pred_instances, 'hypotheses', np.zeros(
        (1, 3, 2, 3))), "'hypotheses'"),
    (lambda d: d.pred_instances.keypoints.__setitem__(
        (0, 1, 0), np.nan), "keypoints.*non-finite"),
    (lambda d: setattr(d.pred_instances, 'hypotheses', np.full(
        (1, 3, 3, 3), np.nan)), "hypotheses.*non-finite"),
    (lambda d: setattr(d.pred_instances, 'hypotheses_reproj_error',
                       np.zeros((1, 2, 3))), 'hypotheses_reproj_error'),
    (lambda d: d.gt_instances.pop('lifting_target'), 'lifting_target'),
    (lambda d: setattr(d.pred_instances, 'keypoints', np.zeros(
        (1, 4, 3))), "keypoints.*3 joints"),
])
def test_bad_input_names_the_field(change, field):
    ds = make_sample(GT3, GT3.copy(), hyps=HYPS3, reproj=REPROJ3)
    change(ds)
    with pytest.raises(ValueError, match=field):
        LiftingMPJPE().process(None, [ds.to_dict()])


def test_bad_config():
    with pytest.raises(ValueError, match='modes'):
        LiftingMPJPE(modes=('pck', ))
    with pytest.raises(ValueError, match='aggregates'):
        LiftingMPJPE(aggregates=('j-best', ))
    with pytest.raises(ValueError, match='target_img_path'):
        run([make_sample(bone(1), bone(2), 'frame_0001')])


def test_real_h36m_frames(h36m_samples):
    """4 real Human3.6M frames: a 10 mm shift of the 16 non-root joints."""
    ann = np.load(h36m_samples / 'test_h36m_body3d.npz')
    gt = ann['S'][..., :3].astype(np.float64)  # (4, 17, 3) metres
    pred = gt.copy()
    pred[:, 1:] += [0.0, 0.01, 0.0]
    samples = [make_sample(g, p, str(n))
               for g, p, n in zip(gt, pred, ann['imgname'])]
    out = run(samples)
    for key in ('MPJPE', 'MPJPE_all', 'MPJPE_Directions',
                'MPJPE_SittingDown', 'MPJPE_Greeting', 'MPJPE_WalkDog'):
        assert out[key] == pytest.approx(160 / 17), key
    shifted = [make_sample(g, g + [0.01, 0, 0], str(n))
               for g, n in zip(gt, ann['imgname'])]
    out = run(shifted, root_index=None)
    assert out['MPJPE'] == pytest.approx(10.0)
    assert out['P-MPJPE'] == pytest.approx(0.0, abs=1e-4)
