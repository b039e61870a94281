"""LiftingMPJPE's options for the originals' evaluation protocols, against
the originals' formulas written out by hand in numpy:

* ``hypotheses_protocol='zedo'``: ipl-uw/ZeDO-Release ``lib/dataset/
  h36m.py`` ``eval_multi``: per frame, the minimum over the S hypotheses of
  the mean joint error of the hypothesis as optimised (NOT re-rooted)
  against the root-relative ground truth; P2 aligns every hypothesis on its
  own (``align_to_gt``: Procrustes with scale and ``reflection='best'``).
* ``mpjve=True``: GONGJIA0208/Diffpose_video ``runners/diffpose_video.py``
  ``test_per_action``: per sequence, the 243-frame chunks of
  ``eval_data_prepare`` (the last re-anchored to the sequence end) are
  concatenated and ``mean_velocity_error`` (``common/loss.py``) takes
  ``np.diff`` over them; weighted by the chunk frames, per action, then the
  mean over actions.
"""
import numpy as np
import pytest
from mmengine.evaluator import Evaluator
from mmengine.structures import InstanceData
from mmpose.structures import PoseDataSample

from poselift_mm.evaluation.metrics.lifting_metric import (LiftingMPJPE,
                                                           video_and_frame)

RNG = np.random.default_rng(0)


def sample(gt, pred, names, hyps=None, offset=None):
    ds = PoseDataSample(metainfo=dict(target_img_path=list(names)))
    ds.gt_instances = InstanceData(lifting_target=np.asarray(gt))
    pred_inst = InstanceData(keypoints=np.asarray(pred)[None])
    if hyps is not None:
        pred_inst.hypotheses = np.asarray(hyps)[None]
    if offset is not None:
        pred_inst.hypotheses_root_offset = np.asarray(offset)[None]
    ds.pred_instances = pred_inst
    return ds


def evaluate(samples, **cfg):
    ev = Evaluator(LiftingMPJPE(**cfg))
    ev.process([s.to_dict() for s in samples])
    return ev.evaluate(len(samples))


def procrustes_best(gt, pred):
    """MATLAB ``procrustes(gt, pred)`` with scaling and reflection='best':
    the transformed pred."""
    mu_g, mu_p = gt.mean(0), pred.mean(0)
    g0, p0 = gt - mu_g, pred - mu_p
    ng, np_ = np.linalg.norm(g0), np.linalg.norm(p0)
    g0, p0 = g0 / ng, p0 / np_
    u, s, vt = np.linalg.svd(g0.T @ p0)
    rot = (u @ vt).T  # no det correction: reflections allowed
    return ng * s.sum() * p0 @ rot + mu_g


# ---- ZeDO: un-rooted hypotheses, oracle minimum -------------------------
def zedo_frames(n=4, s=3):
    """Camera-frame GT (mm in ZeDO's file, m here), hypotheses as ZeDO's
    optimiser leaves them (root not at zero) and two actions."""
    gt_abs = RNG.normal(size=(n, 17, 3)) * 0.3 + [0, 0, 4]
    raw = (gt_abs - gt_abs[:, :1])[:, None] + RNG.normal(
        size=(n, s, 17, 3)) * 0.04
    raw += RNG.normal(size=(n, s, 1, 3)) * 0.05  # the root drifts
    names = [f'S9_{a}.54138969_{i + 1:06d}.jpg' for i, a in enumerate(
        ['Directions_1', 'Directions_1', 'Walking_1', 'Walking_1'][:n])]
    return gt_abs, raw, names


def eval_multi(gt_abs, raw, actions, protocol2):
    """ZeDO's eval_multi written out: per-frame min over hypotheses, the
    mean per action, then the mean over actions (m -> mm)."""
    errs = []
    for gt, hyps in zip(gt_abs, raw):
        g = gt - gt[:1]
        e = [np.linalg.norm((procrustes_best(g, h) if protocol2 else h) - g,
                            axis=1).mean() for h in hyps]
        errs.append(min(e))
    errs, actions = np.array(errs), np.array(actions)
    return 1000 * np.mean([errs[actions == a].mean()
                           for a in dict.fromkeys(actions)])


def zedo_samples(gt_abs, raw, names, with_offset=True):
    out = []
    for gt, hyps, name in zip(gt_abs, raw, names):
        root = hyps[:, 0]  # what the model removes when it re-roots
        rooted = hyps - root[:, None]
        out.append(sample(gt[None], rooted[0], [name], rooted,
                          root if with_offset else None))
    return out


def test_zedo_protocol_is_eval_multi():
    gt_abs, raw, names = zedo_frames()
    actions = [n.split('_')[1] for n in names]
    out = evaluate(zedo_samples(gt_abs, raw, names), allow_reflection=True,
                   hypotheses_protocol='zedo')
    assert out['MPJPE(P-Best)'] == pytest.approx(
        eval_multi(gt_abs, raw, actions, False), rel=1e-9)
    assert out['P-MPJPE(P-Best)'] == pytest.approx(
        eval_multi(gt_abs, raw, actions, True), rel=1e-6)
    # re-rooting every hypothesis (the project's default) is another number
    rooted = evaluate(zedo_samples(gt_abs, raw, names),
                      allow_reflection=True, hypotheses_protocol='d3dp')
    assert abs(rooted['MPJPE(P-Best)'] - out['MPJPE(P-Best)']) > 1.
    # P2 aligns translation away: the same with or without the roots
    assert rooted['P-MPJPE(P-Best)'] == pytest.approx(
        out['P-MPJPE(P-Best)'], rel=1e-6)
    # the deployable prediction is scored as before (root-aligned)
    assert out['MPJPE'] == pytest.approx(rooted['MPJPE'])


def test_zedo_protocol_video_offsets():
    # (1, S, T, 3) offsets of a T-frame window are read frame by frame
    gt_abs, raw, _ = zedo_frames(n=2)
    names = [f'S9_Walking_1.54138969_{i + 1:06d}.jpg' for i in range(2)]
    hyps = raw.transpose(1, 0, 2, 3)  # (S, T, K, 3)
    root = hyps[:, :, 0]
    s = sample(gt_abs, (hyps - root[:, :, None])[0], names,
               hyps - root[:, :, None], root)
    out = evaluate([s], hypotheses_protocol='zedo')
    assert out['MPJPE(P-Best)'] == pytest.approx(
        eval_multi(gt_abs, raw, ['Walking'] * 2, False), rel=1e-9)


def test_zedo_protocol_needs_the_offsets():
    gt_abs, raw, names = zedo_frames(n=1)
    with pytest.raises(ValueError, match='hypotheses_root_offset'):
        evaluate(zedo_samples(gt_abs, raw, names, with_offset=False),
                 hypotheses_protocol='zedo')
    bad = zedo_samples(gt_abs, raw, names)[0]
    bad.pred_instances.hypotheses_root_offset = np.zeros((1, 2, 3))
    with pytest.raises(ValueError, match=r'hypotheses_root_offset.*\(1, 3, 3'):
        evaluate([bad], hypotheses_protocol='zedo')
    with pytest.raises(ValueError, match="'zedo'"):
        LiftingMPJPE(hypotheses_protocol='zed')


# ---- MPJVE over re-anchored windows ------------------------------------
def eval_data_prepare(x, f):
    """Diffpose_video common/data_video_utils.py: non-overlapping chunks of
    f frames, the last re-anchored to end at the last frame, a sequence
    shorter than f padded with its last frame."""
    n = len(x)
    out_num = -(-n // f)
    chunks = [x[i * f:(i + 1) * f] for i in range(out_num - 1)]
    if n < f:
        x = np.concatenate([x, np.repeat(x[-1:], f - n, 0)])
    return np.stack(chunks + [x[-f:]])


def original_mpjve(seqs, f):
    """test_per_action's MPJVE of one action: per sequence
    ``mean_velocity_error`` over the concatenated chunks, weighted by the
    chunk frames (m -> mm)."""
    total, frames = 0., 0
    for pred, gt in seqs:
        p = eval_data_prepare(pred - pred[:, :1], f).reshape(-1, 17, 3)
        g = eval_data_prepare(gt - gt[:, :1], f).reshape(-1, 17, 3)
        v = np.linalg.norm(np.diff(p, axis=0) - np.diff(g, axis=0),
                           axis=-1).mean()
        total += len(p) * v
        frames += len(p)
    return 1000 * total / frames


def window_samples(video, pred, gt, f, shuffle=False):
    """The windows the dataset gives (0, f, 2f, ..., and the re-anchored
    last one) as samples with MMPose image names."""
    n = len(pred)
    starts = list(range(0, n - f + 1, f))
    if n % f:
        starts.append(max(n - f, 0))
    out = []
    for s in starts:
        idx = np.clip(np.arange(s, s + f), 0, n - 1)  # pads a short one
        names = [f'{video}_{i + 1:06d}.jpg' for i in idx]
        out.append(sample(gt[idx], pred[idx], names))
    if shuffle:  # windows arrive in any order (workers, ranks)
        out = out[::-1]
    return out


def test_mpjve_is_the_original_over_reanchored_windows():
    f = 27
    seqs = {}
    for video, n in (('S9_Walking_1.54138969', 70),
                     ('S9_Walking.55011271', 45),
                     ('S11_Directions.54138969', 56),
                     ('S11_Directions_1.58860488', 20)):  # shorter than f
        gt = RNG.normal(size=(n, 17, 3)).cumsum(0) * 0.01 + [0, 0, 4]
        seqs[video] = (gt + RNG.normal(size=(n, 17, 3)) * 0.02, gt)
    samples = [s for v, (p, g) in seqs.items()
               for s in window_samples(v, p, g, f, shuffle=True)]
    out = evaluate(samples, mpjve=True)
    walk = original_mpjve([seqs[v] for v in seqs if 'Walking' in v], f)
    dirs = original_mpjve([seqs[v] for v in seqs if 'Directions' in v], f)
    assert out['MPJVE_Walking'] == pytest.approx(walk, rel=1e-9)
    assert out['MPJVE_Directions'] == pytest.approx(dirs, rel=1e-9)
    assert out['MPJVE'] == pytest.approx((walk + dirs) / 2, rel=1e-9)
    assert 'MPJVE' not in evaluate(samples)  # off by default


def test_mpjve_of_single_frames_follows_the_video():
    n = 6
    gt = RNG.normal(size=(n, 17, 3)) * 0.2
    pred = gt + RNG.normal(size=(n, 17, 3)) * 0.01
    samples = [sample(gt[i:i + 1], pred[i],
                      [f'S9_Eating_2.60457274_{i + 1:06d}.jpg'])
               for i in range(n)][::-1]
    out = evaluate(samples, mpjve=True, per_action=False)
    p, g = pred - pred[:, :1], gt - gt[:, :1]
    expected = 1000 * np.linalg.norm(np.diff(p, axis=0) - np.diff(g, axis=0),
                                     axis=-1).mean()
    assert out['MPJVE'] == pytest.approx(expected, rel=1e-9)
    assert out['MPJVE_all'] == pytest.approx(expected, rel=1e-9)


def test_video_and_frame_names():
    assert video_and_frame('S9_Directions_1.54138969_000012.jpg') == (
        'S9_Directions_1.54138969', 12)
    # directories stay part of the video: 3DPW's frames are all 'image_*'
    assert video_and_frame('imageFiles/seq_00/image_00003.jpg') == (
        'imageFiles/seq_00/image', 3)
    assert video_and_frame('frame.jpg') == ('frame', None)
