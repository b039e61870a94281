"""MPJVE, the mean per-joint velocity error (Pavllo et al. 2019;
facebookresearch/VideoPose3D ``common/loss.py`` ``mean_velocity_error``),
over windows as DiffPose-video / MixSTE evaluate it
(GONGJIA0208/Diffpose_video ``runners/diffpose_video.py``
``test_per_action``): the windows of a video are concatenated in order, so
velocities cross their seams (a re-anchored last window included), each
video's mean is weighted by its scored frames, per action, then the mean
over actions. Each window is reduced to a small record
(:func:`velocity_record`) while evaluating; :func:`mpjve` joins them."""
import os.path as osp
from collections import defaultdict
from typing import Dict, List, Optional, Tuple

import numpy as np

from .lifting_samples import group_means

__all__ = ['video_and_frame', 'velocity_sums', 'velocity_record', 'mpjve']


def video_and_frame(img_path: str):
    """An image name -> (its video: the name up to ``_<frame>``, frame
    number): 'S9_Directions_1.54138969_000001.jpg' -> ('S9_Directions_1.
    54138969', 1); a name without a trailing frame number -> (name, None)."""
    base = osp.splitext(str(img_path))[0]
    video, _, frame = base.rpartition('_')
    if video and frame.isdigit() and '/' not in frame:
        return video, int(frame)
    return base, None


def velocity_sums(pred: np.ndarray, gt: np.ndarray) -> Tuple[float, int]:
    """(T, K, 3) -> (sum over (T-1) x K of |v_pred - v_gt|, count)."""
    if len(pred) < 2:
        return 0., 0
    err = np.linalg.norm(np.diff(pred, axis=0) - np.diff(gt, axis=0),
                         axis=-1)
    return float(err.sum()), int(err.size)


def velocity_record(pred: np.ndarray, gt: np.ndarray, names: List[str],
                    action: str) -> dict:
    """What MPJVE needs of one window (T frames, root-aligned, metres): its
    video, first frame number, action, frame count, the velocity error sum
    inside it and its first / last frames (for the seams)."""
    video, frame = video_and_frame(names[0]) if names else (None, None)
    total, count = velocity_sums(pred, gt)
    return dict(video=video, frame=frame, action=action, frames=len(pred),
                sum=total, count=count,
                ends=np.stack([pred[0], gt[0], pred[-1], gt[-1]]))


def mpjve(records: List[dict], to_mm: float,
          per_action: bool = True) -> Optional[Dict[str, float]]:
    """Window records -> ``MPJVE``, ``MPJVE_all`` and (``per_action``)
    ``MPJVE_<action>``; None when no video has two frames."""
    videos = defaultdict(list)
    for i, r in enumerate(records):
        videos[r['video'] if r['video'] is not None else ('#', i)].append(
            (r['frame'] if r['frame'] is not None else -1, i, r))
    means, weights, actions = [], [], []
    for wins in videos.values():
        wins = [r for _, _, r in sorted(wins, key=lambda w: w[:2])]
        total = sum(r['sum'] for r in wins)
        count = sum(r['count'] for r in wins)
        for a, b in zip(wins[:-1], wins[1:]):  # seam: a's last -> b's first
            v = (b['ends'][0] - a['ends'][2]) - (b['ends'][1] - a['ends'][3])
            total += float(np.linalg.norm(v, axis=-1).sum())
            count += v.shape[0]
        if count:
            means.append(total / count * to_mm)
            weights.append(sum(r['frames'] for r in wins))
            actions.append(wins[0]['action'])
    if not means:
        return None
    means, weights = np.asarray(means), np.asarray(weights, float)
    out = {'MPJVE_all': float((means * weights).sum() / weights.sum())}
    if not per_action:
        out['MPJVE'] = out['MPJVE_all']
        return out
    by_action = group_means(means * weights, weights, np.asarray(actions))
    out['MPJVE'] = float(np.mean(list(by_action.values())))
    out.update({f'MPJVE_{a}': v for a, v in by_action.items()})
    return out
