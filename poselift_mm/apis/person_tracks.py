"""People in a multi-person 2D file, kept apart: every instance of every
frame goes to one track, by its ``track_id`` when the file gives one, else
by a greedy IoU tracker on the keypoints' boxes (as MMPose's demo tracker,
``mmpose/apis/inferencers``' ``_compute_iou`` matching, without OKS).
A track's frames are lifted as one person; nobody is mixed with anyone."""
from typing import List, Optional, Sequence

import numpy as np

__all__ = ['keypoint_box', 'box_iou', 'iou_track_ids', 'stacked',
           'split_tracks']


def keypoint_box(keypoints, scores=None) -> Optional[np.ndarray]:
    """(K, 2) px (NaN / score 0 = missing) -> box (4,) x0, y0, x1, y1 of the
    present joints, or None when no joint is present."""
    kp = np.asarray(keypoints, np.float64).reshape(-1, 2)
    ok = np.isfinite(kp).all(1)
    if scores is not None:
        ok &= np.asarray(scores, np.float64).reshape(-1) > 0
    if not ok.any():
        return None
    return np.concatenate([kp[ok].min(0), kp[ok].max(0)])


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(M, 4), (P, 4) boxes -> (M, P) intersection over union (0 for
    degenerate boxes)."""
    lo = np.maximum(a[:, None, :2], b[None, :, :2])
    hi = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.clip(hi - lo, 0, None).prod(-1)
    area = lambda x: np.clip(x[:, 2:] - x[:, :2], 0, None).prod(-1)  # noqa
    union = area(a)[:, None] + area(b)[None] - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-12), 0.)


def iou_track_ids(boxes: Sequence[List[Optional[np.ndarray]]],
                  thr: float = 0.3, max_age: int = 10) -> List[List[int]]:
    """Per frame, a list of boxes (None: no joint) -> per frame, a track id
    for each. Greedy matching, highest IoU first, against each live
    track's last box (a track unmatched for more than ``max_age`` frames
    ends); below ``thr`` an instance starts a new track."""
    live = {}  # id -> (last box, last frame)
    next_id, out = 0, []
    for f, frame in enumerate(boxes):
        ids = [-1] * len(frame)
        live = {k: v for k, v in live.items() if f - v[1] <= max_age}
        cand = [i for i, b in enumerate(frame) if b is not None]
        keys = list(live)
        if cand and keys:
            iou = box_iou(np.stack([frame[i] for i in cand]),
                          np.stack([live[k][0] for k in keys]))
            for flat in np.argsort(-iou, axis=None):
                i, j = np.unravel_index(flat, iou.shape)
                if iou[i, j] < thr:
                    break
                if ids[cand[i]] < 0 and keys[j] is not None:
                    ids[cand[i]] = keys[j]
                    keys[j] = None
        for i, b in enumerate(frame):
            if ids[i] < 0:
                ids[i], next_id = next_id, next_id + 1
            if b is not None:
                live[ids[i]] = (b, f)
        out.append(ids)
    return out


def stacked(frames: Sequence):
    """Per-frame values -> one (n, ...) float64 array when every frame is a
    float64 array of one shape (a compact track), else ``frames`` as they
    are (the lifter's checks name ragged or non-numeric frames)."""
    if not len(frames) or isinstance(frames, np.ndarray):
        return frames
    first = frames[0]
    if all(isinstance(f, np.ndarray) and f.dtype == np.float64
           and f.shape == first.shape for f in frames):
        return np.stack(frames)
    return frames


def split_tracks(instances: Sequence[Sequence[dict]], path: str,
                 error=ValueError) -> List[dict]:
    """Per frame, MMPose instance dicts (``keypoints``, optional
    ``keypoint_scores``, ``track_id``) -> tracks, each ``dict(track_id,
    frames (n,) positions in the file, keypoints (n, K, 2), scores (n, K)
    or None)``, ordered by first frame. Ids come from the file when every
    instance has an integer ``track_id``, else from :func:`iou_track_ids`
    (one instance per frame: one track). Two instances of one frame with
    the same ``track_id`` raise ``error`` naming the frame."""
    given = all(isinstance(i.get('track_id'), int) and
                not isinstance(i.get('track_id'), bool)
                for frame in instances for i in frame)
    if given:
        ids = [[i['track_id'] for i in frame] for frame in instances]
    elif all(len(frame) <= 1 for frame in instances):
        ids = [[0] * len(frame) for frame in instances]
    else:
        ids = iou_track_ids([[keypoint_box(i['keypoints'],
                                           i.get('keypoint_scores'))
                              for i in frame] for frame in instances])
    tracks = {}
    for f, (frame, fids) in enumerate(zip(instances, ids)):
        if len(set(fids)) != len(fids):
            raise error(f'{path}: frame {f} has two instances with the same '
                        'track_id')
        for inst, tid in zip(frame, fids):
            tracks.setdefault(tid, []).append((f, inst))
    out = []
    for tid, items in sorted(tracks.items(), key=lambda kv: kv[1][0][0]):
        have = ['keypoint_scores' in inst for _, inst in items]
        if any(have) and not all(have):
            first = items[have.index(False)][0]
            raise error(f'{path}: track {tid}: frame {first} has no '
                        '"keypoint_scores" while others have')
        out.append(dict(
            track_id=int(tid), frames=np.array([f for f, _ in items]),
            keypoints=stacked([inst['keypoints'] for _, inst in items]),
            scores=stacked([inst['keypoint_scores'] for _, inst in items])
            if all(have) else None))
    return out
