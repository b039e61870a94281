"""``LiftingMPJPE``: MPJPE, P-MPJPE and N-MPJPE in MILLIMETRES for 3D pose
lifting, with the multi-hypothesis aggregates of diffusion lifters.

Data contract (what a model's ``predict`` puts in each ``PoseDataSample``)
-------------------------------------------------------------------------
``pred_instances``:

- ``keypoints`` (1, K, 3) or (1, T, K, 3): the deployable prediction, metres,
  camera frame, root-relative or absolute: prediction and ground truth are
  both root-aligned at ``root_index`` before any error is computed.
- ``hypotheses`` (1, H, K, 3), optional: all H hypotheses, same frame and
  units ((1, H, T, K, 3) for T frames).
- ``hypotheses_reproj_error`` (1, H, K), optional: per hypothesis and joint,
  the 2D reprojection error in pixels against the model's own 2D input
  (deployable: no ground truth) ((1, H, T, K) for T frames).
- ``hypotheses_root_offset`` (1, H, 3), optional ((1, H, T, 3) for T
  frames): where each hypothesis' root joint was before the model made it
  root-relative (ZeDO: the pelvis of the optimised pose relative to its
  translation); ``hypotheses + offset`` is the pose the original code
  scores. Needed by ``hypotheses_protocol='zedo'`` only.

``gt_instances``: ``lifting_target`` (1, K, 3) or (T, K, 3) metres, the
target frame(s) the dataset already picked (MMPose's ``target_idx``; frame t
is scored against predicted frame t), and optionally
``lifting_target_visible`` ((T, K) or (T, K, 1); non-zero joints are scored,
as MMPose's ``astype(bool)``). ``target_img_path`` (metainfo, T names) gives
the action as MMPose's ``MPJPE.process`` parses it:
``S9_Directions_1.54138969_000001.jpg`` -> ``Directions_1`` -> category
``Directions``.

Results (all in mm; ``MODE`` is ``MPJPE``, ``P-MPJPE`` or ``N-MPJPE``)
-------------------------------------------------------------------
- ``MODE``: deployable prediction, Human3.6M protocol: mean over each action
  category first, then the unweighted mean over categories (with
  ``per_action=False``: the sample average).
- ``MODE_all``: sample average (all visible joints of all frames pooled);
  this is what MMPose's own ``MPJPE`` metric reports (times 1000).
- ``MODE_<action>``: per action category (``per_action=True``).
- With ``hypotheses``: ``MODE(mean)`` (average of the hypotheses, D3DP's
  "P-Agg") and ``MODE(J-Agg)`` (per joint, the hypothesis of lowest
  ``hypotheses_reproj_error``) are DEPLOYABLE; ``MODE(J-Best)`` (per joint,
  the hypothesis nearest the GT) and ``MODE(P-Best)`` (per pose, the
  hypothesis of lowest MPJPE) are ORACLE numbers (they look at the GT) and
  are only computed with ``oracle=True``. Each has a ``_all`` twin (sample
  average); the plain name is action-averaged like ``MODE``. Each
  hypothesis is root-aligned before aggregation (D3DP zeroes every
  hypothesis' root), so the aggregates mix joints of root-relative poses.

- ``MPJVE`` (``mpjve=True``): mean per-joint velocity error, mm per frame
  (Pavllo et al. 2019, VideoPose3D ``mean_velocity_error``) of the
  root-aligned deployable prediction, as DiffPose-video / MixSTE report
  it: the frames of each video (``target_img_path`` up to its
  ``_<frame>.jpg``) are concatenated in window order (the first frame's
  number; samples of one window may overlap, a re-anchored last window
  included), velocities are taken across window seams, each video's mean
  is weighted by its number of scored frames; per action, then the mean
  over actions (``MPJVE_<action>``, ``MPJVE_all``).

P-MPJPE is Procrustes (scale, rotation, translation) via
``poselift_mm.geometry.procrustes_align``; ``allow_reflection=True`` allows
improper rotations as ZeDO does (ipl-uw/ZeDO-Release,
``lib/utils/transforms.py``: ``procrustes(..., reflection='best')`` called by
``align_to_gt``). N-MPJPE: optimal scale only (Rhodin et al. 2018;
facebookresearch/VideoPose3D ``common/loss.py`` ``n_mpjpe``). Alignments use
all K joints, as MMPose's ``keypoint_mpjpe``; only the averaging is masked.
"""
import logging
import os.path as osp
from collections import defaultdict
from typing import Dict, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from mmpose.registry import METRICS
from poselift_mm.evaluation.functional import (ALIGNMENTS, M_TO_MM,
                                               aggregate_by_reprojection,
                                               best_of_hypotheses,
                                               joint_errors,
                                               reduce_hypothesis_errors)
from poselift_mm.geometry import root_relative
from .lifting_samples import (common_joint_count, group_means, h36m_action,
                              read_lifting_sample)
from .velocity import mpjve, velocity_record, video_and_frame

# read_lifting_sample, common_joint_count, h36m_action, group_means and
# video_and_frame are also imported from here by other modules
__all__ = ['LiftingMPJPE', 'read_lifting_sample', 'common_joint_count',
           'h36m_action', 'group_means', 'video_and_frame']

MODE_NAMES = {'mpjpe': 'MPJPE', 'p-mpjpe': 'P-MPJPE', 'n-mpjpe': 'N-MPJPE'}
DEPLOYABLE_AGGREGATES = {'mean': 'mean', 'j-agg': 'J-Agg'}
ORACLE_AGGREGATES = {'j-best': 'J-Best', 'p-best': 'P-Best'}
HYPOTHESES_PROTOCOLS = ('pose', 'd3dp', 'zedo')


@METRICS.register_module()
class LiftingMPJPE(BaseMetric):
    """MPJPE / P-MPJPE / N-MPJPE in mm, per action, with multi-hypothesis
    aggregates. See the module docstring for the data contract and keys.

    Args:
        modes: any of 'mpjpe', 'p-mpjpe', 'n-mpjpe'.
        allow_reflection: let the P-MPJPE Procrustes fit reflect (ZeDO).
        root_index: joint both poses are translated to before the errors
            (None: compare absolute positions).
        per_action: action-averaged headline numbers and per-action keys.
        aggregates: deployable aggregates 'mean', 'j-agg'.
        oracle: also report the ORACLE 'J-Best' and 'P-Best'.
        hypotheses_protocol: 'pose' (default): each aggregate builds one pose
            from the root-aligned hypotheses and every mode scores that pose.
            'd3dp': as D3DP's ``p_mpjpe_diffusion*`` (paTRICK-swk/D3DP
            ``common/loss.py``): every hypothesis is aligned on its own and
            the selection is applied to the aligned joint errors (differs
            from 'pose' only for P-MPJPE and N-MPJPE). 'zedo': as ZeDO's
            ``eval_multi`` (ipl-uw/ZeDO-Release ``lib/dataset/h36m.py``):
            like 'd3dp', but each hypothesis is scored un-rooted
            (``hypotheses + hypotheses_root_offset``) against the
            root-relative ground truth, so a drift of its root counts;
            ``MODE(P-Best)`` is then the paper's number (the minimum over
            the hypotheses, per pose). Needs ``hypotheses_root_offset``.
        mpjve: also report MPJVE (see the module docstring).
        to_mm: data units -> mm (1000 for metres).
        skip_list: 'S9_Greeting'-style subject_action names to skip
            (MMPose's ``skip_list``).
    """

    default_prefix: Optional[str] = None

    def __init__(self,
                 modes: Sequence[str] = ('mpjpe', 'p-mpjpe', 'n-mpjpe'),
                 allow_reflection: bool = False,
                 root_index: Optional[int] = 0,
                 per_action: bool = True,
                 aggregates: Sequence[str] = ('mean', 'j-agg'),
                 oracle: bool = True,
                 hypotheses_protocol: str = 'pose',
                 mpjve: bool = False,
                 to_mm: float = M_TO_MM,
                 skip_list: Sequence[str] = (),
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        modes = (modes, ) if isinstance(modes, str) else tuple(modes)
        aggregates = (aggregates, ) if isinstance(aggregates, str) else \
            tuple(aggregates)
        bad = [m for m in modes if m not in ALIGNMENTS]
        if bad or not modes:
            raise ValueError(f'LiftingMPJPE: modes must be a non-empty subset '
                             f'of {list(ALIGNMENTS)}, got {list(modes)}')
        bad = [a for a in aggregates if a not in DEPLOYABLE_AGGREGATES]
        if bad:
            raise ValueError(
                f'LiftingMPJPE: aggregates must be a subset of '
                f'{list(DEPLOYABLE_AGGREGATES)}, got {list(aggregates)} (the '
                "oracle 'j-best'/'p-best' are switched on by oracle=True)")
        if hypotheses_protocol not in HYPOTHESES_PROTOCOLS:
            raise ValueError('LiftingMPJPE: hypotheses_protocol must be one '
                             f'of {HYPOTHESES_PROTOCOLS}, got '
                             f'{hypotheses_protocol!r}')
        if not (np.isfinite(to_mm) and to_mm > 0):
            raise ValueError(f'LiftingMPJPE: to_mm must be > 0, got {to_mm}')
        self.modes = modes
        self.allow_reflection = allow_reflection
        self.root_index = root_index
        self.per_action = per_action
        self.aggregates = aggregates
        self.oracle = oracle
        self.hypotheses_protocol = hypotheses_protocol
        self.mpjve = bool(mpjve)
        self.to_mm = float(to_mm)
        self.skip_list = set(skip_list)
        self._warned = set()

    # ------------------------------------------------------------------ utils
    def _warn_once(self, key: str, msg: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            print_log(f'{type(self).__name__}: {msg}', logger='current',
                      level=logging.WARNING)

    def _errors(self, pred, gt, alignment: str) -> np.ndarray:
        """(..., K, 3) -> (..., K) mm."""
        return joint_errors(pred, gt, alignment,
                            self.allow_reflection) * self.to_mm

    def _root(self, x: np.ndarray) -> np.ndarray:
        return x if self.root_index is None else root_relative(
            x, self.root_index)

    def _hypothesis_errors(self, hyps, gt, vis, reproj,
                           offset=None) -> Dict[str, np.ndarray]:
        """hyps (M, H, K, 3), gt (M, K, 3) root-aligned, offset (M, H, 3)
        or None -> name: (M, K) mm."""
        rules = list(self.aggregates)
        if 'j-agg' in rules and reproj is None:
            rules.remove('j-agg')
            self._warn_once(
                'j-agg', "MPJPE(J-Agg) skipped: pred_instances has "
                "'hypotheses' but no 'hypotheses_reproj_error'")
        if self.oracle:
            rules += list(ORACLE_AGGREGATES)
        labels = {**DEPLOYABLE_AGGREGATES, **ORACLE_AGGREGATES}
        hyps = self._root(hyps)
        if self.hypotheses_protocol == 'zedo':  # score them un-rooted
            hyps = hyps + offset[..., None, :]
        out = {}
        if self.hypotheses_protocol == 'pose':
            poses = {}
            for rule in rules:
                if rule == 'mean':
                    poses[rule] = hyps.mean(-3)
                elif rule == 'j-agg':
                    poses[rule] = aggregate_by_reprojection(hyps, reproj)[0]
                elif rule == 'j-best':
                    poses[rule] = best_of_hypotheses(hyps, gt, 'joint')[0]
                else:
                    poses[rule] = best_of_hypotheses(hyps, gt, 'pose', vis)[0]
            for mode in self.modes:
                for rule, pose in poses.items():
                    out[f'{MODE_NAMES[mode]}({labels[rule]})'] = \
                        self._errors(pose, gt, ALIGNMENTS[mode])
            return out
        for mode in self.modes:  # 'd3dp', 'zedo': align each on its own
            alignment = ALIGNMENTS[mode]
            per_hyp = self._errors(hyps, gt[:, None], alignment)  # (M, H, K)
            for rule in rules:
                name = f'{MODE_NAMES[mode]}({labels[rule]})'
                if rule == 'mean':
                    out[name] = self._errors(hyps.mean(-3), gt, alignment)
                else:
                    out[name] = reduce_hypothesis_errors(
                        per_hyp, rule, vis, reproj)
        return out

    # ---------------------------------------------------------------- process
    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Score a batch vectorised; store one small record per sample."""
        where = type(self).__name__
        samples = []
        for i, ds in enumerate(data_samples):
            s = read_lifting_sample(ds, f'{where}: data sample {i}')
            if self.skip_list and s['names'] and osp.basename(
                    s['names'][0]).split('.')[0] in self.skip_list:
                continue
            if self.per_action:
                if not s['names']:
                    raise ValueError(
                        f'{where}: data sample {i} has no target_img_path to '
                        'read the action from; set per_action=False')
                s['actions'] = [h36m_action(n) for n in s['names']]
            else:
                s['actions'] = ['all'] * len(s['gt'])
            samples.append(s)
        if not samples:
            return
        common_joint_count(samples, where)
        frames = np.array([len(s['gt']) for s in samples])
        offsets = np.concatenate([[0], np.cumsum(frames)])
        gt = self._root(np.concatenate([s['gt'] for s in samples]))
        pred = self._root(np.concatenate([s['pred'] for s in samples]))
        vis = np.concatenate([s['visible'] for s in samples])

        # name -> (M, K) mm errors of the deployable prediction
        errors = {
            MODE_NAMES[m]: self._errors(pred, gt, ALIGNMENTS[m])
            for m in self.modes
        }
        per_sample = [dict() for _ in samples]
        groups = defaultdict(list)  # same H and reproj presence together
        for i, s in enumerate(samples):
            if s['hyps'] is not None:
                if self.hypotheses_protocol == 'zedo' and s['offset'] is None:
                    raise ValueError(
                        f"{where}: hypotheses_protocol='zedo' scores each "
                        'hypothesis un-rooted and needs '
                        "pred_instances['hypotheses_root_offset'] (1, H, 3) "
                        f"beside 'hypotheses' (sample {i} has none: the "
                        'model must return where each hypothesis\' root '
                        'was before it was made root-relative)')
                groups[(s['hyps'].shape[1], s['reproj'] is not None)].append(i)
        for idx in groups.values():
            frame_idx = np.concatenate(
                [np.arange(offsets[i], offsets[i + 1]) for i in idx])
            hyps = np.concatenate([samples[i]['hyps'] for i in idx])
            reproj = None if samples[idx[0]]['reproj'] is None else \
                np.concatenate([samples[i]['reproj'] for i in idx])
            offset = None if self.hypotheses_protocol != 'zedo' else \
                np.concatenate([samples[i]['offset'] for i in idx])
            agg = self._hypothesis_errors(hyps, gt[frame_idx], vis[frame_idx],
                                          reproj, offset)
            splits = np.cumsum(frames[idx])[:-1]
            for name, err in agg.items():
                for i, part in zip(idx, np.split(err, splits)):
                    per_sample[i][name] = part

        masked = {name: (err * vis).sum(-1) for name, err in errors.items()}
        n_vis = vis.sum(-1)
        for i, s in enumerate(samples):
            lo, hi = offsets[i], offsets[i + 1]
            err_sum = {name: v[lo:hi] for name, v in masked.items()}
            for name, err in per_sample[i].items():
                err_sum[name] = (err * s['visible']).sum(-1)
            record = dict(err_sum=err_sum, n_visible=n_vis[lo:hi],
                          actions=np.asarray(s['actions']))
            if self.mpjve:
                record['velocity'] = velocity_record(
                    pred[lo:hi], gt[lo:hi], s['names'], s['actions'][0])
            self.results.append(record)

    # ---------------------------------------------------------------- compute
    def compute_metrics(self, results: list) -> Dict[str, float]:
        """Per-sample records -> metric dict (mm)."""
        where = type(self).__name__
        if not results:
            raise ValueError(f'{where}: no results to evaluate')
        key_sets = list(dict.fromkeys(tuple(r['err_sum']) for r in results))
        names = list(dict.fromkeys(n for keys in key_sets for n in keys))
        partial = [n for n in names if any(n not in k for k in key_sets)]
        if partial:
            self._warn_once(
                'partial', f'{partial} skipped: only some samples carry '
                "'hypotheses' (or 'hypotheses_reproj_error')")
        names = [n for n in names if n not in partial]
        n_vis = np.concatenate([r['n_visible'] for r in results]).astype(
            np.float64)
        if n_vis.sum() == 0:
            raise ValueError(f"{where}: gt_instances['lifting_target_visible']"
                             ' marks no joint visible in any sample')
        actions = np.concatenate([r['actions'] for r in results])
        metrics, per_action_keys = {}, {}
        for name in names:
            sums = np.concatenate([r['err_sum'][name] for r in results])
            overall = float(sums.sum() / n_vis.sum())
            if self.per_action:
                by_action = group_means(sums, n_vis, actions)
                metrics[name] = float(np.mean(list(by_action.values())))
                if '(' not in name:  # deployable prediction only
                    for action, value in by_action.items():
                        per_action_keys[f'{name}_{action}'] = value
            else:
                metrics[name] = overall
            metrics[f'{name}_all'] = overall
        metrics.update(per_action_keys)
        if self.mpjve:
            vel = mpjve([r['velocity'] for r in results], self.to_mm,
                        self.per_action)
            if vel is None:
                self._warn_once('mpjve', 'MPJVE skipped: no video has two '
                                'frames')
            metrics.update(vel or {})
        return metrics
