"""``PCK3DMetric``: MPI-INF-3DHP 3D PCK and AUC (percent) plus MPJPE (mm).

Same data contract as ``LiftingMPJPE`` (see ``lifting_metric.py``): scores
``pred_instances['keypoints']`` against ``gt_instances['lifting_target']``
(metres), both root-aligned at ``root_index``.

Protocol of the official MPI-INF-3DHP test scripts (``mpii_compute_3d_pck.m``
and ``mpii_get_pck_auc_joint_groups.m``, mirrored in paTRICK-swk/D3DP
``3dhp_test/test_util/``), in MMPose's ``mpi_inf_3dhp`` joint order (the
scripts' 17 "relevant" joints: head_top, neck, r/l arm, r/l leg, root,
spine, head):

- poses are root-relative at joint 14 (``root``/pelvis; the script
  subtracts joint 15 of 1-based MATLAB),
- PCK and AUC use the 14 joints 0..13 (head_top, neck, shoulders, elbows,
  wrists, hips, knees, ankles; spine, head and root are left out),
- a joint is correct when its error is strictly below the threshold; PCK at
  150 mm, AUC the mean PCK over 0, 5, ..., 150 mm (31 thresholds),
- MPJPE averages all K joints (the script's 17-joint "Average" column).

MMPose 0.x (``Body3DMpiInf3dhpDataset._report_3d_pck``) scores all 17
joints (``joint_indices=None``); ZeDO (ipl-uw/ZeDO-Release
``lib/algorithms/advanced/utils.py`` ``compute_PCK``/``compute_AUC``) too,
root-relative at joint 0 of its H36M-ordered skeleton (``joint_indices=None,
root_index=0``).

Keys: ``PCK``, ``AUC``, ``MPJPE`` pooled over all frames (the script's
"All"/"Total" row); with ``per_sequence``: ``PCK_<seq>`` etc. and the
unweighted means over sequences ``PCK(seq-avg)``, ``AUC(seq-avg)``,
``MPJPE(seq-avg)``. The sequence is the image name without its frame number:
``TS1_002001.jpg`` -> ``TS1``, ``S4_Seq2_Cam0_001033.jpg`` ->
``S4_Seq2_Cam0``. Activity labels are not in MMPose's 3DHP image names, so
activity-wise tables are not produced.
"""
import os.path as osp
from typing import Dict, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric

from mmpose.registry import METRICS
from poselift_mm.evaluation.functional import (AUC_THRESHOLDS_MM, M_TO_MM,
                                               joint_errors)
from poselift_mm.geometry import root_relative
from .lifting_metric import common_joint_count, read_lifting_sample

MPI_INF_3DHP_PCK_JOINTS = tuple(range(14))
MPI_INF_3DHP_ROOT = 14


def sequence_name(img_path: str) -> str:
    """'TS1_002001.jpg' -> 'TS1' (image name minus '_<frame>.<ext>')."""
    stem = osp.splitext(osp.basename(img_path))[0]
    return stem.rsplit('_', 1)[0]


@METRICS.register_module()
class PCK3DMetric(BaseMetric):
    """3D PCK / AUC (%) and MPJPE (mm) on MPI-INF-3DHP; see module doc.

    Args:
        pck_threshold_mm: PCK threshold (150).
        thresholds_mm: AUC thresholds (default 0:5:150, 31 values).
        joint_indices: joints scored by PCK/AUC (default the official 14;
            None: all K).
        root_index: joint both poses are translated to (None: absolute).
        alignment: 'none' (default), 'procrustes' (PA-PCK) or 'scale'.
        allow_reflection: for 'procrustes'.
        per_sequence: also report per-sequence and sequence-averaged keys.
        to_mm: data units -> mm (1000 for metres).
    """

    default_prefix: Optional[str] = None

    def __init__(self,
                 pck_threshold_mm: float = 150.0,
                 thresholds_mm: Sequence[float] = AUC_THRESHOLDS_MM,
                 joint_indices: Optional[Sequence[int]] = (
                     MPI_INF_3DHP_PCK_JOINTS),
                 root_index: Optional[int] = MPI_INF_3DHP_ROOT,
                 alignment: str = 'none',
                 allow_reflection: bool = False,
                 per_sequence: bool = True,
                 to_mm: float = M_TO_MM,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        thr = np.asarray(thresholds_mm, dtype=np.float64).reshape(-1)
        if thr.size == 0 or not np.isfinite(thr).all() or not np.isfinite(
                pck_threshold_mm):
            raise ValueError('PCK3DMetric: thresholds must be finite, got '
                             f'{thresholds_mm!r} and {pck_threshold_mm!r}')
        if alignment not in ('none', 'procrustes', 'scale'):
            raise ValueError("PCK3DMetric: alignment must be 'none', "
                             f"'procrustes' or 'scale', got {alignment!r}")
        if not (np.isfinite(to_mm) and to_mm > 0):
            raise ValueError(f'PCK3DMetric: to_mm must be > 0, got {to_mm}')
        # column 0 is the PCK threshold, the rest the AUC curve
        self.thresholds = np.concatenate([[float(pck_threshold_mm)], thr])
        self.joint_indices = None if joint_indices is None else np.asarray(
            joint_indices, dtype=np.int64)
        self.root_index = root_index
        self.alignment = alignment
        self.allow_reflection = allow_reflection
        self.per_sequence = per_sequence
        self.to_mm = float(to_mm)

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Score a batch vectorised; store one small record per sample."""
        where = type(self).__name__
        samples = [
            read_lifting_sample(ds, f'{where}: data sample {i}')
            for i, ds in enumerate(data_samples)
        ]
        if not samples:
            return
        num_joints = common_joint_count(samples, where)
        sel = np.arange(num_joints) if self.joint_indices is None else \
            self.joint_indices
        if sel.size == 0 or sel.min() < -num_joints or sel.max() >= num_joints:
            raise ValueError(f'{where}: joint_indices {sel.tolist()} out of '
                             f'range for {num_joints} joints')

        gt = np.concatenate([s['gt'] for s in samples])
        pred = np.concatenate([s['pred'] for s in samples])
        vis = np.concatenate([s['visible'] for s in samples])
        if self.root_index is not None:
            gt = root_relative(gt, self.root_index)
            pred = root_relative(pred, self.root_index)
        err = joint_errors(pred, gt, self.alignment,
                           self.allow_reflection) * self.to_mm  # (M, K)
        err_sel, vis_sel = err[:, sel], vis[:, sel]
        # (M, 1 + T): visible selected joints below each threshold
        hits = ((err_sel[..., None] < self.thresholds) &
                vis_sel[..., None]).sum(1)
        n_sel = vis_sel.sum(1)
        err_sum = (err * vis).sum(1)
        n_all = vis.sum(1)

        lo = 0
        for s in samples:
            hi = lo + len(s['gt'])
            if self.per_sequence and not s['names']:
                raise ValueError(f'{where}: a data sample has no '
                                 'target_img_path to read the sequence from; '
                                 'set per_sequence=False')
            seqs = [sequence_name(n) for n in s['names']] or ['all'] * (hi -
                                                                       lo)
            self.results.append(
                dict(hits=hits[lo:hi], n_selected=n_sel[lo:hi],
                     err_sum=err_sum[lo:hi], n_visible=n_all[lo:hi],
                     sequences=np.asarray(seqs)))
            lo = hi

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """Per-sample records -> PCK / AUC (%) and MPJPE (mm)."""
        where = type(self).__name__
        if not results:
            raise ValueError(f'{where}: no results to evaluate')
        hits = np.concatenate([r['hits'] for r in results]).astype(np.float64)
        n_sel = np.concatenate([r['n_selected'] for r in results]).astype(
            np.float64)
        err_sum = np.concatenate([r['err_sum'] for r in results])
        n_vis = np.concatenate([r['n_visible'] for r in results]).astype(
            np.float64)
        seqs = np.concatenate([r['sequences'] for r in results])
        if n_sel.sum() == 0:
            raise ValueError(f"{where}: gt_instances['lifting_target_visible']"
                             ' marks none of the scored joints visible')

        def summary(h, n, e, v):
            pct = 100.0 * h.sum(0) / n.sum()  # (1 + T,)
            return dict(PCK=float(pct[0]), AUC=float(pct[1:].mean()),
                        MPJPE=float(e.sum() / v.sum()))

        metrics = summary(hits, n_sel, err_sum, n_vis)
        if not self.per_sequence:
            return metrics
        keys, inverse = np.unique(seqs, return_inverse=True)
        per_seq = {}
        for j, key in enumerate(keys):
            rows = inverse == j
            if n_sel[rows].sum() == 0:
                continue
            per_seq[str(key)] = summary(hits[rows], n_sel[rows],
                                        err_sum[rows], n_vis[rows])
        for name in ('PCK', 'AUC', 'MPJPE'):
            values = [v[name] for v in per_seq.values()]
            metrics[f'{name}(seq-avg)'] = float(np.mean(values))
        for key, value in per_seq.items():
            for name in ('PCK', 'AUC', 'MPJPE'):
                metrics[f'{name}_{key}'] = value[name]
        return metrics
