"""Human3.6M exponential maps -> 17-joint poses (forward kinematics).

The layout of Martinez et al. 2017, "On human motion prediction"
(una-dinosauria/human-motion-prediction, also the DMGNN release): a
``(T, 99)`` array per sequence (root translation delta, root rotation delta,
32 joint rotations; the first joint's rotation is the root's), keys
``'S1/walking_1'`` in an npz, with the 32-joint skeleton
``skeleton_h36m32.json``.

Martinez's code uses row vectors, ``xyz = offset . R``, with ``R =
expmap2rotmat(r)`` (Rodrigues), so its matrices are the transposes of ours:
``R_ours = R_martinez^T = axis_angle_to_matrix(-r)``.
"""
import json
import logging
import re
import zlib
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np

from poselift_mm.geometry import axis_angle_to_matrix, forward_kinematics
from poselift_mm.utils.datafile import open_npz
from ..h36m_format import H36M_ACTION_NAMES
from .sequence import Y_UP_TO_Z_UP, MocapSequence

logger = logging.getLogger(__name__)

EXPMAP_FPS = 50.0
EXPMAP_COLUMNS = 99
# 32-joint indices: ankles, toes and toe tips (floor contact), and the head.
H36M32_FEET = (3, 4, 5, 8, 9, 10)
# Martinez / DMGNN action keys -> Human3.6M video names (MMPose's imgname
# uses them; its MPJPE metric groups by the part before the first '_'),
# in the order of the action ids 2..16.
H36M_ACTIONS = dict(zip(
    ('directions', 'discussion', 'eating', 'greeting', 'phoning', 'posing',
     'purchases', 'sitting', 'sittingdown', 'smoking', 'takingphoto',
     'waiting', 'walking', 'walkingdog', 'walkingtogether'),
    H36M_ACTION_NAMES.values()))


def load_skeleton32(path: str) -> dict:
    """``skeleton_h36m32.json`` -> parents (32,), offsets_mm (32, 3),
    h36m17_from32 (17,)."""
    try:
        with open(path) as f:
            raw = json.load(f)
    except (OSError, json.JSONDecodeError) as err:
        raise ValueError(f'{path}: cannot read skeleton JSON: {err}') from err
    for key in ('parents32', 'offsets32_mm', 'h36m17_from32'):
        if key not in raw:
            raise ValueError(f"{path}: missing key '{key}'")
    parents = np.asarray(raw['parents32'], dtype=np.int64)
    offsets = np.asarray(raw['offsets32_mm'], dtype=np.float64)
    sel = np.asarray(raw['h36m17_from32'], dtype=np.int64)
    n = len(parents)
    if offsets.shape != (n, 3):
        raise ValueError(f"{path}: key 'offsets32_mm': expected shape "
                         f'({n}, 3), got {offsets.shape}')
    if not np.isfinite(offsets).all():
        raise ValueError(f"{path}: key 'offsets32_mm' contains NaN/inf")
    if sel.shape != (17, ) or sel.min() < 0 or sel.max() >= n:
        raise ValueError(f"{path}: key 'h36m17_from32': expected 17 indices "
                         f'into {n} joints, got {sel.tolist()}')
    bad = [j for j, p in enumerate(parents) if (p < 0) != (j == 0) or p >= j]
    if bad:
        raise ValueError(f"{path}: key 'parents32': joint(s) {bad} do not "
                         'follow their parent (the root must be joint 0)')
    return dict(parents=tuple(int(p) for p in parents), offsets_mm=offsets,
                h36m17_from32=sel)


def check_expmap(array, where: str) -> np.ndarray:
    """One ``(T, 99)`` exp-map sequence -> float64, or ValueError."""
    a = np.asarray(array)
    if a.ndim != 2 or a.shape[1] != EXPMAP_COLUMNS or a.shape[0] < 1:
        raise ValueError(f'{where}: expected shape (T, {EXPMAP_COLUMNS}) '
                         f'(3 root position, 3 root rotation, 31 joints x 3), '
                         f'got {a.shape}')
    a = a.astype(np.float64)
    bad = np.count_nonzero(~np.isfinite(a))
    if bad:
        raise ValueError(f'{where}: contains {bad} NaN/inf values')
    return a




def load_expmap_npz(path: str,
                    keys: Optional[Sequence[str]] = None
                    ) -> Dict[str, np.ndarray]:
    """``{'S1/directions_1': (T, 99) float64}`` for ``keys`` (all if None)."""
    with open_npz(path) as data:
        files = list(data.files)
        wanted = files if keys is None else list(keys)
        missing = [k for k in wanted if k not in files]
        if missing:
            raise ValueError(f'{path}: missing key(s) {missing}; it has '
                             f'{len(files)} keys such as {sorted(files)[:3]}')
        return {k: check_expmap(data[k], f"{path}: key '{k}'")
                for k in wanted}


def parse_expmap_key(key: str, where: str = '') -> Tuple[str, str]:
    """``'S1/walkingdog_1'`` -> ``('S1', 'WalkDog_1')`` (MMPose naming)."""
    m = re.fullmatch(r'(S\d+)/([a-z]+)_(\d+)', key)
    if not m or m.group(2) not in H36M_ACTIONS:
        raise ValueError(f"{where}key '{key}': expected 'S<n>/<action>_<n>' "
                         f'with an action in {sorted(H36M_ACTIONS)}')
    return m.group(1), f'{H36M_ACTIONS[m.group(2)]}_{m.group(3)}'


def _prefix_matmul(mats: np.ndarray) -> np.ndarray:
    """(T, 3, 3) -> running products M_0 M_1 ... M_t, O(log T) numpy steps."""
    out = mats.copy()
    step = 1
    while step < len(out):
        out[step:] = out[:-step] @ out[step:]
        step *= 2
    return out


def expmap_root_trajectory(expmap: np.ndarray
                           ) -> Tuple[np.ndarray, np.ndarray]:
    """(T, 99) -> root rotation (T, 3, 3) and root position (T, 3) mm.

    The data store per-frame deltas in the previous frame's root frame
    (Martinez's ``revert_coordinate_space`` with R0 = I, T0 = 0):
    ``R_t = R_{t-1} D_t`` and ``p_t = p_{t-1} + R_{t-1} d_t`` with ``D_t``
    the rotation of columns 3:6 and ``d_t`` columns 0:3 (column vectors).
    """
    expmap = check_expmap(expmap, 'expmap')
    rot = _prefix_matmul(axis_angle_to_matrix(-expmap[:, 3:6]))
    prev = np.concatenate([np.eye(3)[None], rot[:-1]])
    pos = np.cumsum((prev @ expmap[:, :3, None])[..., 0], axis=0)
    return rot, pos


def expmap_to_joints32(expmap: np.ndarray, skeleton: dict,
                       zero_root: bool = False) -> np.ndarray:
    """(T, 99) -> (T, 32, 3) mm in the y-up mocap frame.

    ``zero_root``: no root translation/rotation (the reference's layout:
    positions relative to the root in the root's frame).
    """
    expmap = check_expmap(expmap, 'expmap')
    local = axis_angle_to_matrix(-expmap[:, 3:].reshape(-1, 32, 3))
    if zero_root:
        local[:, 0] = np.eye(3)
        root = np.zeros((len(expmap), 3))
    else:
        local[:, 0], root = expmap_root_trajectory(expmap)
    return forward_kinematics(local, skeleton['offsets_mm'],
                              skeleton['parents'], root)


def expmap_to_h36m17(expmap: np.ndarray, skeleton: dict,
                     zero_root: bool = False) -> np.ndarray:
    """(T, 99) -> (T, 17, 3) mm, MMPose ``h36m`` order, y-up mocap frame."""
    return expmap_to_joints32(expmap, skeleton,
                              zero_root)[:, skeleton['h36m17_from32']]



def select_expmap_keys(npz_path: str,
                       subjects: Optional[Sequence[str]] = None,
                       actions: Optional[Sequence[str]] = None,
                       drop_duplicates: bool = True) -> List[str]:
    """Sorted npz keys of ``subjects`` x ``actions`` (npz spelling, e.g.
    ``walking``; None: all); ValueError naming the file for a subject or
    action without any key, or a malformed key.

    Exact duplicate sequences (the shared file has S6/posing == S5/posing
    and S8/smoking == S5/smoking, i.e. validation data inside training) keep
    only their first key unless ``drop_duplicates=False``.
    """
    with open_npz(npz_path) as data:
        files = sorted(data.files)
        parsed = {k: parse_expmap_key(k, f'{npz_path}: ') for k in files}
        act = {k: k.split('/')[1].rsplit('_', 1)[0] for k in files}
        for what, wanted, have in (
                ('subject', subjects, {v[0] for v in parsed.values()}),
                ('action', actions, set(act.values()))):
            missing = sorted(set(wanted or ()) - have)
            if missing:
                raise ValueError(
                    f'{npz_path}: missing key(s) for {what}(s) {missing};'
                    f' the file has {sorted(have)}')
        keys = [k for k in files
                if (subjects is None or parsed[k][0] in subjects) and (
                    actions is None or act[k] in actions)]
        if not drop_duplicates:
            return keys
        out, seen = [], {}
        for key in keys:
            raw = data[key]
            digest = zlib.crc32(np.ascontiguousarray(raw).tobytes())
            first = seen.get(digest)
            if first is not None and np.array_equal(raw, data[first]):
                logger.warning("%s: key '%s' duplicates '%s': skipped",
                               npz_path, key, first)
                continue
            seen.setdefault(digest, key)
            out.append(key)
        return out


def expmap_sequences(npz_path: str, skeleton_path: str,
                     keys: Optional[Sequence[str]] = None
                     ) -> Iterator[MocapSequence]:
    """Yield ``MocapSequence`` for ``keys`` (default
    ``select_expmap_keys(npz_path)``), lazily, one FK pass each."""
    skeleton = load_skeleton32(skeleton_path)
    if keys is None:
        keys = select_expmap_keys(npz_path)
    with open_npz(npz_path) as data:
        missing = [k for k in keys if k not in data.files]
        if missing:
            raise ValueError(f'{npz_path}: missing key(s) {missing}')
        for key in keys:
            where = f"{npz_path}: key '{key}'"
            expmap = check_expmap(data[key], where)
            subject, action = parse_expmap_key(key, f'{npz_path}: ')
            j32 = expmap_to_joints32(expmap, skeleton) @ Y_UP_TO_Z_UP.T / 1e3
            yield MocapSequence(subject, action, EXPMAP_FPS,
                                j32[:, skeleton['h36m17_from32']],
                                j32[:, list(H36M32_FEET)], where, level=True)
