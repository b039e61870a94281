"""Reading one lifting data sample for the metrics: the predicted and
ground-truth poses, visibility, hypotheses with their reprojection errors
and root offsets, and the image names; see ``lifting_metric.py`` for the
data contract. Also the Human3.6M action of an image name and per-group
means."""
import os.path as osp
from typing import Dict, List, Sequence

import numpy as np
import torch

from poselift_mm.geometry import check_points

__all__ = ['common_joint_count', 'read_lifting_sample', 'read_offsets',
           'h36m_action', 'group_means']


def _get(container, key: str):
    """dict / InstanceData / PoseDataSample field, or None."""
    if container is None or not hasattr(container, 'get'):
        return None
    return container.get(key, None)


def _to_numpy(x) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    x = np.asarray(x)
    return x if np.issubdtype(x.dtype, np.floating) else x.astype(np.float64)


def _img_names(data_sample) -> List[str]:
    """``target_img_path`` of a sample as a list of str ([] if absent)."""
    paths = _get(data_sample, 'target_img_path')
    if paths is None:
        paths = _get(_get(data_sample, 'gt_instances'), 'target_img_path')
    if paths is None:
        return []
    if isinstance(paths, (str, bytes)):
        return [str(paths)]
    return [str(p) for p in np.asarray(paths).reshape(-1)]


def common_joint_count(samples: Sequence[dict], where: str) -> int:
    """The one joint count K of a batch's ``lifting_target``s."""
    counts = {s['gt'].shape[1] for s in samples}
    if len(counts) > 1:
        raise ValueError(f'{where}: one batch mixes joint counts '
                         f"{sorted(counts)} in 'lifting_target'")
    return counts.pop()


def read_lifting_sample(data_sample, where: str) -> dict:
    """One data sample -> pred, gt (T, K, 3), visible (T, K) bool, hyps
    (T, H, K, 3) or None, reproj (T, H, K) or None, names (T,) list."""
    names = _img_names(data_sample)
    if names:
        where = f'{where} ({names[0]})'
    pred_inst = _get(data_sample, 'pred_instances')
    gt_inst = _get(data_sample, 'gt_instances')
    if _get(pred_inst, 'keypoints') is None:
        raise ValueError(
            f"{where}: data_sample['pred_instances']['keypoints'] is missing")
    if _get(gt_inst, 'lifting_target') is None:
        raise ValueError(
            f"{where}: data_sample['gt_instances']['lifting_target'] is "
            'missing')

    gt_name = f"{where}: gt_instances['lifting_target']"
    gt = _to_numpy(gt_inst['lifting_target'])
    gt = gt[None] if gt.ndim == 2 else gt
    if gt.ndim != 3:
        raise ValueError(f'{gt_name}: expected shape (T, K, 3), got shape '
                         f'{gt.shape}')
    check_points(gt, gt_name, 3)
    num_frames, num_joints = gt.shape[:2]

    pred_name = f"{where}: pred_instances['keypoints']"
    pred = _to_numpy(pred_inst['keypoints'])
    if pred.ndim == 4 and pred.shape[0] == 1:
        pred = pred[0]
    pred = pred[None] if pred.ndim == 2 else pred
    if pred.ndim != 3:
        raise ValueError(f'{pred_name}: expected shape (1, K, 3) or '
                         f'(1, T, K, 3), got shape {pred.shape}')
    check_points(pred, pred_name, 3, num_joints)
    if pred.shape[0] != num_frames:
        raise ValueError(
            f'{pred_name}: {pred.shape[0]} predicted frames but '
            f"gt_instances['lifting_target'] has {num_frames} target frames")

    vis = _get(gt_inst, 'lifting_target_visible')
    if vis is None:
        vis = np.ones((num_frames, num_joints), bool)
    else:
        vis = _to_numpy(vis)
        if vis.size != num_frames * num_joints:
            raise ValueError(
                f"{where}: gt_instances['lifting_target_visible'] has shape "
                f'{vis.shape}, expected ({num_frames}, {num_joints})')
        vis = vis.astype(bool).reshape(num_frames, num_joints)

    hyps = _get(pred_inst, 'hypotheses')
    reproj = _get(pred_inst, 'hypotheses_reproj_error')
    offset = _get(pred_inst, 'hypotheses_root_offset')
    if hyps is not None:
        hyp_name = f"{where}: pred_instances['hypotheses']"
        hyps = _to_numpy(hyps)
        if hyps.ndim == 5 and hyps.shape[0] == 1:  # (1, H, T, K, 3)
            hyps = hyps[0].transpose(1, 0, 2, 3)
        elif hyps.ndim == 3 and num_frames == 1:  # (H, K, 3)
            hyps = hyps[None]
        elif not (hyps.ndim == 4 and hyps.shape[0] == 1 and num_frames == 1):
            raise ValueError(
                f'{hyp_name}: expected shape (1, H, K, 3) (or (1, H, T, K, 3) '
                f'for T={num_frames} frames), got shape {hyps.shape}')
        check_points(hyps, hyp_name, 3, num_joints)
        if hyps.shape[0] != num_frames:
            raise ValueError(f'{hyp_name}: {hyps.shape[0]} frames, expected '
                             f'{num_frames}')
        if reproj is not None:
            rep_name = f"{where}: pred_instances['hypotheses_reproj_error']"
            reproj = _to_numpy(reproj)
            given = reproj.shape
            if reproj.ndim == 4 and reproj.shape[0] == 1:  # (1, H, T, K)
                reproj = reproj[0].transpose(1, 0, 2)
            elif reproj.ndim == 2 and num_frames == 1:  # (H, K)
                reproj = reproj[None]
            expected = hyps.shape[:3]
            if reproj.shape != expected:
                raise ValueError(
                    f'{rep_name}: expected shape (1, {expected[1]}, '
                    f'{num_joints}) matching the hypotheses, got shape '
                    f'{given}')
            if not np.isfinite(reproj).all():
                raise ValueError(
                    f'{rep_name} contains '
                    f'{int((~np.isfinite(reproj)).sum())} non-finite values '
                    '(NaN/inf)')
        if offset is not None:
            offset = read_offsets(
                _to_numpy(offset), hyps.shape[:2],
                f"{where}: pred_instances['hypotheses_root_offset']")
    else:
        offset = None

    if len(names) != num_frames:
        names = names[:1] * num_frames
    return dict(pred=pred, gt=gt, visible=vis, hyps=hyps, reproj=reproj,
                offset=offset, names=names)


def read_offsets(offset: np.ndarray, frames_hyps, name: str) -> np.ndarray:
    """(1, H, 3) / (1, H, T, 3) / (H, 3) root offsets -> (T, H, 3)."""
    num_frames, num_hyp = frames_hyps
    given = offset.shape
    if offset.ndim == 4 and offset.shape[0] == 1:  # (1, H, T, 3)
        offset = offset[0].transpose(1, 0, 2)
    elif offset.ndim == 3 and offset.shape[0] == 1 and num_frames == 1:
        offset = offset  # (1, H, 3) = (T=1, H, 3)
    elif offset.ndim == 2 and num_frames == 1:  # (H, 3)
        offset = offset[None]
    if offset.shape != (num_frames, num_hyp, 3):
        raise ValueError(f'{name}: expected shape (1, {num_hyp}, 3) (or (1, '
                         f'{num_hyp}, T, 3) for T={num_frames} frames) '
                         f'matching the hypotheses, got shape {given}')
    if not np.isfinite(offset).all():
        raise ValueError(f'{name} contains non-finite values (NaN/inf)')
    return offset


def h36m_action(img_path: str) -> str:
    """MMPose's parse: 'S9_Directions_1.5413_000001.jpg' -> 'Directions'."""
    base = osp.basename(img_path)
    if '_' not in base or '.' not in base.split('_', 1)[1]:
        raise ValueError(
            f"target_img_path {img_path!r} is not a Human3.6M image name "
            "like 'S9_Directions_1.54138969_000001.jpg'; set per_action=False "
            'for other datasets')
    action = base.split('_', 1)[1].split('.', 1)[0]
    return action.split('_')[0]


def group_means(sums: np.ndarray, counts: np.ndarray,
                groups: np.ndarray) -> Dict[str, float]:
    """Per-group sum(sums) / sum(counts) for groups with a visible joint."""
    keys, inverse = np.unique(groups, return_inverse=True)
    num = np.bincount(inverse, weights=sums, minlength=len(keys))
    den = np.bincount(inverse, weights=counts, minlength=len(keys))
    return {str(k): float(n / d) for k, n, d in zip(keys, num, den) if d > 0}
