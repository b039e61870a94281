"""Missing joints measured: a lifter on a test set's sequences with the
full 2D, and with ``d`` joints per frame dropped at random (score 0, the
position moved 300 px away so any use of it would show).

Reported in mm, root-relative, against the 3D ground truth: the error of
the joints that stayed visible and of the dropped ones, each beside the
same joints' error with the full 2D. Data: a ``tools/mocap_to_h36m.py``
annotation file (``imgname``, ``part`` (N, 17, 3) px, ``S`` (N, 17, 4)
camera-frame metres) and its ``cameras.pkl``.
"""
import os.path as osp
import time
from typing import Dict, List, Optional

import numpy as np

__all__ = ['load_sequences', 'drop_mask', 'missing_joint_errors']


def load_sequences(data_root: str, ann_file: str, frames: Optional[int] =
                   None, every: int = 1, max_sequences: Optional[int] =
                   None, sequence_step: int = 1,
                   det_file: Optional[str] = None) -> List[dict]:
    """The annotation's sequences (one per image folder: subject, action,
    camera) as ``dict(name, keypoints (n, 17, 2) px, scores (n, 17) or
    None, target (n, 17, 3) m, image_size (w, h), intrinsics dict(f,
    c))``: the first ``frames`` (None: all) of each, then every
    ``every``-th; every ``sequence_step``-th sequence, at most
    ``max_sequences``. ``det_file`` (under ``data_root``): detected 2D
    (N, 17, 3) px + score, row for row with the annotation (e.g.
    ``tools/make_noisy_2d.py``'s), instead of the exact 2D."""
    from poselift_mm.geometry import camera_from_pkl
    from poselift_mm.utils.datafile import load_npy, load_npz, load_pickle
    ann = load_npz(osp.join(data_root, ann_file), ('imgname', 'part', 'S'))
    det = None
    if det_file is not None:
        det = load_npy(osp.join(data_root, det_file))
        if det.shape != (len(ann['part']), 17, 3):
            raise ValueError(f'{det_file}: shape {det.shape}, expected '
                             f'({len(ann["part"])}, 17, 3)')
    cams = load_pickle(osp.join(data_root, 'annotation_body3d',
                                'cameras.pkl'))
    folders = np.array([n.split('/')[-2] for n in ann['imgname']])
    _, first = np.unique(folders, return_index=True)
    out = []
    for start in sorted(first)[::sequence_step][:max_sequences]:
        name = folders[start]
        idx = np.flatnonzero(folders == name)[:frames][::every]
        subject = name.split('_')[0]
        cam = camera_from_pkl(cams, subject, name.rsplit('.', 1)[1])
        out.append(dict(
            name=name, keypoints=(ann['part'] if det is None else det)[
                idx, :, :2].astype(np.float64),
            scores=None if det is None else det[idx, :, 2].astype(
                np.float64),
            target=ann['S'][idx, :, :3].astype(np.float64),
            image_size=(float(cam['w']), float(cam['h'])),
            intrinsics=dict(f=np.ravel(cam['f']), c=np.ravel(cam['c']))))
    return out


def drop_mask(rng: np.random.Generator, n: int, num_drop: int,
              num_joints: int = 17, root: int = 0) -> np.ndarray:
    """(n, K) bool: ``num_drop`` distinct non-root joints per frame,
    uniformly at random."""
    keys = rng.random((n, num_joints))
    keys[:, root] = np.inf
    pick = np.argsort(keys, axis=1)[:, :num_drop]
    mask = np.zeros((n, num_joints), bool)
    np.put_along_axis(mask, pick, True, axis=1)
    return mask


def _errors(pred: np.ndarray, target: np.ndarray, root: int = 0):
    """(n, K) mm of root-relative ``pred`` against ``target`` re-rooted."""
    from poselift_mm.evaluation.functional import joint_errors
    from poselift_mm.geometry.pose import root_relative
    return np.asarray(joint_errors(pred, root_relative(target, root))) * 1e3


def missing_joint_errors(model, sequences: List[dict], drops=(1, 3),
                         seed: int = 0, window: int = 5,
                         max_gap: Optional[int] = 25,
                         tolerances=(0., ), log=print) -> Dict[str, dict]:
    """``{'full': ..., 'drop1': ..., ...}``: for each dropped count, mm
    means of ``visible`` (joints kept), ``dropped``, and the same joints
    with the full 2D (``visible_full``, ``dropped_full``); ``frames``,
    ``seconds``; ``consistent``: the full-2D error after
    :func:`~poselift_mm.geometry.temporal.consistent_track` (``window``
    frames; consecutive frames only make sense with ``every`` = 1), and
    ``consistent_variants``: {name: mm} of its bone-length ``tolerances``
    ('tol0.05' ...) and of smoothing alone ('smoothed').
    ``max_gap``: ``lift_keypoints``' gap filling over time (0: none, the
    lifter alone handles the dropped joints)."""
    from poselift_mm.apis.lift import lift_keypoints
    rng = np.random.default_rng(seed)
    from poselift_mm.geometry.temporal import (BONE_TOLERANCE,
                                               consistent_track)
    full_err = []
    # each variant once; the default ('consistent') is one of them
    default = f'tol{BONE_TOLERANCE:g}'
    variants = {f'tol{t:g}': t for t in (*tolerances, BONE_TOLERANCE)}
    variants['smoothed'] = None
    asked = {f'tol{t:g}' for t in tolerances} | {'smoothed'}
    var_err = {name: [] for name in variants}
    res = {d: dict(vis=[], drop=[], mask=[]) for d in drops}
    t0 = time.time()
    for seq in sequences:
        cam = dict(image_size=seq['image_size'],
                   intrinsics=seq['intrinsics'], keypoint_format='h36m',
                   max_gap=max_gap)
        kp, n = seq['keypoints'], len(seq['keypoints'])
        scores = seq.get('scores')
        full = lift_keypoints(kp, scores, model, **cam)['keypoints_3d']
        full_err.append(_errors(full, seq['target']))
        for name, tol in variants.items():
            var_err[name].append(_errors(consistent_track(
                full, None, window, tolerance=tol), seq['target']))
        for d in drops:
            mask = drop_mask(rng, n, d)
            sc = np.where(mask, 0., 1. if scores is None else scores)
            moved = kp + np.where(mask[..., None], 300., 0.)
            pred = lift_keypoints(moved, sc, model, **cam)['keypoints_3d']
            res[d]['vis'].append(_errors(pred, seq['target']))
            res[d]['mask'].append(mask)
    full_err = np.concatenate(full_err)
    out = dict(full=dict(all=float(full_err.mean()),
                         frames=int(len(full_err))),
               consistent=dict(all=float(np.concatenate(
                   var_err[default]).mean()), window=window),
               consistent_variants={
                   k: float(np.concatenate(v).mean())
                   for k, v in var_err.items() if k in asked})
    for d in drops:
        err = np.concatenate(res[d]['vis'])
        mask = np.concatenate(res[d]['mask'])
        out[f'drop{d}'] = dict(
            visible=float(err[~mask].mean()), dropped=float(err[mask].mean()),
            visible_full=float(full_err[~mask].mean()),
            dropped_full=float(full_err[mask].mean()))
    out['seconds'] = round(time.time() - t0, 1)
    log(f'[missing] {out}')
    return out
