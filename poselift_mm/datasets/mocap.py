"""Motion capture -> MMPose Human3.6M-format 2D/3D training pairs.

Two inputs become 17-joint poses in MMPose's ``h36m`` order:

* Human3.6M exponential maps in the layout of Martinez et al. 2017, "On human
  motion prediction" (``(T, 99)``: root translation delta, root rotation
  delta, 32 joint rotations; the first joint's rotation is the root's) with
  the 32-joint skeleton ``skeleton_h36m32.json``;
* BVH files (the CMU skeleton in its two common namings), see
  ``CMU_TO_H36M17``.

Each sequence is then placed in the Human3.6M world (z up, levelled, lowest
foot point of the sequence at z = 0, centred in the floor area that all the
chosen cameras see), projected through real Human3.6M cameras with lens
distortion and written with the ``h36m_format`` writers, optionally with a
detector-like noisy copy of the 2D keypoints.

Conventions. Mocap frames are y up with, at rest, the actor's left along +x
and forward along +z (both inputs); ``Y_UP_TO_Z_UP`` is the proper rotation
(x, y, z) -> (x, -z, y) into a z-up frame (no mirroring). Rotation matrices
act on column vectors (``child = parent_pos + R_parent_global @ offset``, as
``poselift_mm.geometry.forward_kinematics``). Martinez's code uses row
vectors, ``xyz = offset . R``, with ``R = expmap2rotmat(r)`` (Rodrigues), so
its matrices are the transposes of ours: ``R_ours = R_martinez^T =
axis_angle_to_matrix(-r)``.
"""
import json
import logging
import os.path as osp
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

import numpy as np

from poselift_mm.geometry import (CameraParamError, axis_angle_to_matrix,
                                  camera_from_pkl, forward_kinematics,
                                  project_to_pixels, world_to_camera)
from poselift_mm.utils.io import atomic_path
from .h36m_format import (h36m_imgname, make_h36m_annotation, save_cameras,
                          save_h36m_annotation)

logger = logging.getLogger(__name__)

EXPMAP_FPS = 50.0
EXPMAP_COLUMNS = 99
H36M_VIDEO_FPS = 50.0
H36M_CAMERA_IDS = ('54138969', '55011271', '58860488', '60457274')
DEFAULT_SPLITS = {'train': ('S1', 'S5', 'S6', 'S7'), 'val': ('S8', )}
# (x, y, z) y-up -> (x, -z, y) z-up: a rotation of +90 deg about x.
Y_UP_TO_Z_UP = np.array([[1., 0., 0.], [0., 0., -1.], [0., 1., 0.]])
# 32-joint indices: ankles, toes and toe tips (floor contact), and the head.
H36M32_FEET = (3, 4, 5, 8, 9, 10)
# Martinez / DMGNN action keys -> Human3.6M video names (MMPose's imgname
# uses them; its MPJPE metric groups by the part before the first '_').
H36M_ACTIONS = {
    'directions': 'Directions', 'discussion': 'Discussion',
    'eating': 'Eating', 'greeting': 'Greeting', 'phoning': 'Phoning',
    'posing': 'Posing', 'purchases': 'Purchases', 'sitting': 'Sitting',
    'sittingdown': 'SittingDown', 'smoking': 'Smoking',
    'takingphoto': 'Photo', 'waiting': 'Waiting', 'walking': 'Walking',
    'walkingdog': 'WalkDog', 'walkingtogether': 'WalkTogether'
}
# H36M-17 joint <- CMU BVH joints. Each entry lists alternatives, one per
# naming (cgspeed "01_01" style first, then "131_01" style); the first whose
# joints all exist is used and its joints' positions are averaged.
# ``<name>_End`` is the End Site below ``<name>``.
CMU_TO_H36M17 = (
    ('root', (('LeftUpLeg', 'RightUpLeg'), ('LeftHip', 'RightHip'))),
    ('right_hip', (('RightUpLeg', ), ('RightHip', ))),
    ('right_knee', (('RightLeg', ), ('RightKnee', ))),
    ('right_foot', (('RightFoot', ), ('RightAnkle', ))),
    ('left_hip', (('LeftUpLeg', ), ('LeftHip', ))),
    ('left_knee', (('LeftLeg', ), ('LeftKnee', ))),
    ('left_foot', (('LeftFoot', ), ('LeftAnkle', ))),
    ('spine', (('Spine', ), ('Chest', ))),
    ('thorax', (('LeftArm', 'RightArm'), ('LeftShoulder', 'RightShoulder'))),
    ('neck_base', (('Head', ), )),
    ('head', (('Head_End', ), )),
    ('left_shoulder', (('LeftArm', ), ('LeftShoulder', ))),
    ('left_elbow', (('LeftForeArm', ), ('LeftElbow', ))),
    ('left_wrist', (('LeftHand', ), ('LeftWrist', ))),
    ('right_shoulder', (('RightArm', ), ('RightShoulder', ))),
    ('right_elbow', (('RightForeArm', ), ('RightElbow', ))),
    ('right_wrist', (('RightHand', ), ('RightWrist', ))),
)
CMU_FEET = ('LeftFoot', 'LeftToeBase', 'LeftToeBase_End', 'RightFoot',
            'RightToeBase', 'RightToeBase_End', 'LeftAnkle', 'LeftToe',
            'LeftToe_End', 'RightAnkle', 'RightToe', 'RightToe_End')
# BVH length units (metres per file unit) tried by ``unit='auto'``. CMU's
# ASF -> BVH conversions keep the ASF unit: 1/0.45 inch.
BVH_UNITS_M = {'m': 1.0, 'cm': 0.01, 'mm': 0.001, 'inch': 0.0254,
               'cmu': 0.0254 / 0.45}


# ---------------------------------------------------------------- expmap ---
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


def _open_npz(path: str):
    """np.load of an npz, ValueError naming the file if it is not one."""
    try:
        data = np.load(path, allow_pickle=False)
    except (OSError, ValueError, zipfile.BadZipFile) as err:
        raise ValueError(f'{path}: cannot read npz: {err}') from err
    if not isinstance(data, np.lib.npyio.NpzFile):
        raise ValueError(f'{path}: not an npz archive')
    return data


def load_expmap_npz(path: str,
                    keys: Optional[Sequence[str]] = None
                    ) -> Dict[str, np.ndarray]:
    """``{'S1/directions_1': (T, 99) float64}`` for ``keys`` (all if None)."""
    with _open_npz(path) as data:
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


# ------------------------------------------------------------------- BVH ---
@dataclass
class BvhData:
    """A parsed BVH file: joints (End Sites are joints ``<parent>_End``)."""
    path: str
    names: List[str]
    parents: List[int]
    offsets: np.ndarray  # (J, 3) file units
    channels: List[Tuple[str, ...]]  # per joint, e.g. ('Zrotation', ...)
    frame_time: float  # seconds
    motion: np.ndarray  # (F, C) file units and degrees

    @property
    def fps(self) -> float:
        """1 / Frame Time, snapped to an integer within 0.01 (BVH files
        print Frame Time rounded, e.g. .0083333 for 120 Hz)."""
        fps = 1.0 / self.frame_time
        return float(round(fps)) if abs(fps - round(fps)) < 0.01 else fps


_BVH_CHANNELS = {'Xposition', 'Yposition', 'Zposition', 'Xrotation',
                 'Yrotation', 'Zrotation'}


def read_bvh(path: str) -> BvhData:
    """Parse a BVH file (one ROOT; any channel order per joint)."""
    try:
        with open(path) as f:
            text = f.read()
    except OSError as err:
        raise ValueError(f'{path}: cannot read BVH: {err}') from err
    head, sep, tail = text.partition('MOTION')
    if not sep:
        raise ValueError(f'{path}: no MOTION section')
    tok = head.split()
    if not tok or tok[0] != 'HIERARCHY':
        raise ValueError(f'{path}: does not start with HIERARCHY')
    names, parents, offsets, channels = [], [], [], []
    stack: List[int] = []
    i = 1

    def need(n):
        if i + n > len(tok):
            raise ValueError(f'{path}: hierarchy ends early')

    try:
        while i < len(tok):
            t = tok[i]
            if t in ('ROOT', 'JOINT') or (t == 'End' and tok[i + 1] == 'Site'):
                if t == 'ROOT' and names:
                    raise ValueError(f'{path}: more than one ROOT')
                if t == 'End':
                    if not stack:
                        raise ValueError(f'{path}: End Site outside a joint')
                    name = f'{names[stack[-1]]}_End'
                else:
                    need(2)
                    name = tok[i + 1]
                i += 2
                if tok[i] != '{':
                    raise ValueError(f"{path}: joint '{name}': expected '{{'")
                need(5)
                if tok[i + 1] != 'OFFSET':
                    raise ValueError(
                        f"{path}: joint '{name}': expected OFFSET")
                off = [float(v) for v in tok[i + 2:i + 5]]
                i += 5
                chans: Tuple[str, ...] = ()
                if t != 'End' and tok[i] == 'CHANNELS':
                    n = int(tok[i + 1])
                    need(2 + n)
                    chans = tuple(tok[i + 2:i + 2 + n])
                    unknown = set(chans) - _BVH_CHANNELS
                    if unknown:
                        raise ValueError(f"{path}: joint '{name}': unknown "
                                         f'channels {sorted(unknown)}')
                    i += 2 + n
                names.append(name)
                parents.append(stack[-1] if stack else -1)
                offsets.append(off)
                channels.append(chans)
                stack.append(len(names) - 1)
            elif t == '}':
                if not stack:
                    raise ValueError(f"{path}: unbalanced '}}'")
                stack.pop()
                i += 1
            else:
                raise ValueError(f'{path}: unexpected token {t!r} in the '
                                 'hierarchy')
    except IndexError as err:
        raise ValueError(f'{path}: hierarchy ends early') from err
    except ValueError as err:
        if str(err).startswith(str(path)):
            raise
        raise ValueError(f'{path}: bad number in the hierarchy: {err}') \
            from err
    if stack or not names:
        raise ValueError(f'{path}: unbalanced or empty hierarchy')
    m = re.match(r'\s*Frames:\s*(\d+)\s*Frame Time:\s*(\S+)', tail)
    if not m:
        raise ValueError(f"{path}: MOTION needs 'Frames:' and 'Frame Time:'")
    num_frames, frame_time = int(m.group(1)), float(m.group(2))
    if not frame_time > 0:
        raise ValueError(f'{path}: Frame Time must be > 0, got {frame_time}')
    try:
        values = np.array(tail[m.end():].split(), dtype=np.float64)
    except ValueError as err:
        raise ValueError(f'{path}: MOTION: non-numeric value: {err}') from err
    num_ch = sum(len(c) for c in channels)
    if num_frames < 1 or values.size != num_frames * num_ch:
        raise ValueError(f'{path}: MOTION: {values.size} values for '
                         f'Frames: {num_frames} x {num_ch} channels')
    motion = values.reshape(num_frames, num_ch)
    bad = np.count_nonzero(~np.isfinite(motion))
    if bad:
        raise ValueError(f'{path}: MOTION contains {bad} NaN/inf values')
    return BvhData(path, names, parents, np.array(offsets), channels,
                   frame_time, motion)


def euler_to_matrix(angles_deg: np.ndarray, axes: str) -> np.ndarray:
    """(..., n) degrees about ``axes`` (e.g. 'ZXY', applied in order:
    R = R_Z @ R_X @ R_Y) -> (..., 3, 3)."""
    angles = np.deg2rad(np.asarray(angles_deg, dtype=np.float64))
    out = np.broadcast_to(np.eye(3), angles.shape[:-1] + (3, 3)).copy()
    for k, axis in enumerate(axes):
        vec = np.zeros(angles.shape[:-1] + (3, ))
        vec[..., 'XYZ'.index(axis)] = angles[..., k]
        out = out @ axis_angle_to_matrix(vec)
    return out


def bvh_forward_kinematics(bvh: BvhData) -> np.ndarray:
    """(F, J, 3) joint positions in file units (the file's y-up frame).

    Rotation channels give ``R = R_c1 @ R_c2 @ R_c3`` in channel order;
    position channels replace the matching OFFSET component.
    """
    frames = len(bvh.motion)
    col = 0
    local, trans = [], []
    for j, chans in enumerate(bvh.channels):  # parses the channel layout
        values = bvh.motion[:, col:col + len(chans)]
        col += len(chans)
        t = np.broadcast_to(bvh.offsets[j], (frames, 3)).copy()
        rot_axes, rot_cols = '', []
        for k, ch in enumerate(chans):
            if ch.endswith('position'):
                t[:, 'XYZ'.index(ch[0])] = values[:, k]
            else:
                rot_axes += ch[0]
                rot_cols.append(k)
        local.append(euler_to_matrix(values[:, rot_cols], rot_axes))
        trans.append(t)
    trans = np.stack(trans, axis=1)
    return forward_kinematics(np.stack(local, axis=1), trans, bvh.parents,
                              trans[:, 0])


def _cmu_joint_map(names: Sequence[str], where: str) -> List[List[int]]:
    index = {n: i for i, n in enumerate(names)}
    out = []
    for joint, alternatives in CMU_TO_H36M17:
        for alt in alternatives:
            if all(n in index for n in alt):
                out.append([index[n] for n in alt])
                break
        else:
            raise ValueError(f'{where}: no BVH joint for H36M joint '
                             f"'{joint}' (looked for {alternatives})")
    return out


def bvh_unit_m(bvh: BvhData, positions: np.ndarray, unit='auto') -> float:
    """Metres per BVH unit: a name in ``BVH_UNITS_M``, a number, or 'auto'
    (the candidate that makes the standing height closest to 1.7 m)."""
    if not isinstance(unit, str):
        return float(unit)
    if unit != 'auto':
        if unit not in BVH_UNITS_M:
            raise ValueError(f'{bvh.path}: unknown unit {unit!r}; use a '
                             f'number or one of {sorted(BVH_UNITS_M)}')
        return BVH_UNITS_M[unit]
    jmap = _cmu_joint_map(bvh.names, bvh.path)
    feet = [i for i, n in enumerate(bvh.names) if n in CMU_FEET]
    head_y = positions[:, jmap[10], 1].mean(-1)
    height = np.percentile(head_y - positions[:, feet, 1].min(-1), 95)
    best = min(BVH_UNITS_M.values(),
               key=lambda u: abs(np.log(max(height * u, 1e-9) / 1.7)))
    if not 1.0 < height * best < 2.5:
        raise ValueError(f'{bvh.path}: cannot guess the length unit (height '
                         f'{height:.3g} file units); pass unit explicitly')
    return best


# --------------------------------------------------------------- sequence ---
@dataclass
class MocapSequence:
    """One motion, before placement: 17 joints and the feet, metres, z up."""
    subject: str
    action: str
    fps: float
    joints: np.ndarray  # (T, 17, 3) metres, z up, MMPose h36m order
    feet: np.ndarray  # (T, F, 3) metres, z up: points that touch the floor
    source: str  # file and key, for messages
    level: bool = True  # re-estimate the vertical (expmap: yes, BVH: no)
    info: dict = field(default_factory=dict)


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
    with _open_npz(npz_path) as data:
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
    with _open_npz(npz_path) as data:
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


def bvh_sequence(path: str,
                 unit='auto',
                 subject: Optional[str] = None,
                 action: Optional[str] = None) -> MocapSequence:
    """One BVH file -> ``MocapSequence`` (CMU joint map, metres, z up).

    Default names from the file stem ``01_02``: subject ``CMU01``, action
    ``Trial_02``.
    """
    bvh = read_bvh(path)
    pos = bvh_forward_kinematics(bvh)
    jmap = _cmu_joint_map(bvh.names, path)
    feet = [i for i, n in enumerate(bvh.names) if n in CMU_FEET]
    if len(feet) < 2:
        raise ValueError(f'{path}: found {len(feet)} foot joints of '
                         f'{CMU_FEET}; need at least 2')
    scale = bvh_unit_m(bvh, pos, unit)
    pos = pos @ Y_UP_TO_Z_UP.T * scale
    joints = np.stack([pos[:, idx].mean(1) for idx in jmap], axis=1)
    stem = re.sub(r'[^A-Za-z0-9_]', '', osp.splitext(osp.basename(path))[0])
    head, _, tail = stem.partition('_')
    subject = subject or f"CMU{head.replace('_', '') or 'X'}"
    action = action or f"Trial_{tail.replace('_', '') or '1'}"
    return MocapSequence(subject, action, bvh.fps, joints, pos[:, feet],
                         path, level=False, info=dict(unit_m=scale))


# -------------------------------------------------------------- placement ---
def _rotation_between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Smallest rotation (3, 3) taking unit vector a onto unit vector b."""
    axis = np.cross(a, b)
    s, c = np.linalg.norm(axis), float(np.dot(a, b))
    if s < 1e-12:
        if c > 0:
            return np.eye(3)
        perp = np.cross(a, [1.0, 0, 0] if abs(a[0]) < 0.9 else [0, 1.0, 0])
        return axis_angle_to_matrix(np.pi * perp / np.linalg.norm(perp))
    return axis_angle_to_matrix(axis / s * np.arctan2(s, c))


def body_vertical(joints: np.ndarray, near: Optional[np.ndarray] = None,
                  max_angle_deg: float = 35.0, min_frames: int = 25
                  ) -> Optional[np.ndarray]:
    """(T, 17, 3) -> mean unit (head - mid ankles) over standing frames, or
    None if fewer than ``min_frames``.

    Standing: both legs straight (hip-ankle > 97% of thigh + shank) and the
    body stretched (head-ankles > 92% of legs + trunk chain); with ``near``
    (3,), only frames within ``max_angle_deg`` of it (drops lying frames).
    """
    def seg(a, b):
        return np.linalg.norm(joints[:, a] - joints[:, b], axis=-1)

    leg = np.median(seg(1, 2) + seg(2, 3) + seg(4, 5) + seg(5, 6)) / 2
    trunk = np.median(seg(0, 7) + seg(7, 8) + seg(8, 9) + seg(9, 10))
    up = joints[:, 10] - (joints[:, 3] + joints[:, 6]) / 2
    stretch = np.linalg.norm(up, axis=-1)
    unit = up / np.maximum(stretch, 1e-12)[:, None]
    standing = (seg(1, 3) > 0.97 * leg) & (seg(4, 6) > 0.97 * leg) & (
        stretch > 0.92 * (leg + trunk))
    if near is not None:
        standing &= unit @ near > np.cos(np.deg2rad(max_angle_deg))
    if standing.sum() < min_frames:
        return None
    v = unit[standing].mean(0)
    return v / np.linalg.norm(v)


def _floor_slope(lowest: np.ndarray, slope0: np.ndarray,
                 slope_sigma: float) -> Tuple[np.ndarray, dict]:
    """Fit z = a x + b y + c to the lower envelope of ``lowest`` (T, 3).

    MAP estimate of (a, b) with a Gaussian prior N(slope0, slope_sigma^2)
    and Gaussian floor noise whose sigma is re-estimated from the envelope's
    residuals. Returns (a, b) and fit details.
    """
    keep = np.ones(len(lowest), bool)
    noise = 0.01
    for _ in range(6):
        pts = lowest[keep]
        mean = pts.mean(0)
        d = pts - mean
        cov = d[:, :2].T @ d[:, :2] / len(d)
        rhs = d[:, :2].T @ d[:, 2] / len(d)
        ridge = (noise / slope_sigma)**2
        slope = np.linalg.solve(cov + ridge * np.eye(2),
                                rhs + ridge * slope0)
        resid = lowest[:, 2] - mean[2] - (lowest[:, :2] - mean[:2]) @ slope
        keep = resid <= np.median(resid)
        noise = max(float(resid[keep].std()) * 2, 1e-3)
    return slope, dict(contact_spread_m=np.sqrt(
        np.linalg.eigvalsh(cov)).tolist(), floor_noise_m=noise)


def estimate_up(joints: np.ndarray, feet: np.ndarray,
                slope_sigma: float = 0.3,
                body_slope_sigma: float = 0.05) -> Tuple[np.ndarray, dict]:
    """Unit up vector (3,) of a roughly z-up sequence, and fit details.

    Fits the floor plane z = a x + b y + c to the lower envelope of the
    per-frame lowest foot point (``_floor_slope``), with a prior on the
    slope: +z with sigma ``slope_sigma`` first, then, if there are standing
    frames near that estimate, the body's vertical on them
    (``body_vertical``) with sigma ``body_slope_sigma``. The floor alone
    cannot tell the tilt along a direction in which the feet hardly move.
    """
    lowest = feet[np.arange(len(feet)), feet[..., 2].argmin(1)]
    slope, fit = _floor_slope(lowest, np.zeros(2), slope_sigma)
    up = np.array([-slope[0], -slope[1], 1.0])
    prior = body_vertical(joints, near=up / np.linalg.norm(up))
    if prior is not None and prior[2] > 0.5:
        slope, fit = _floor_slope(lowest, -prior[:2] / prior[2],
                                  body_slope_sigma)
        up = np.array([-slope[0], -slope[1], 1.0])
    up /= np.linalg.norm(up)
    tilt = np.degrees(np.arccos(np.clip(up[2], -1, 1)))
    return up, dict(tilt_deg=float(tilt), body_prior=prior is not None,
                    **fit)


def capture_centre(cameras: Sequence[dict], margin_px: float = 0.0,
                   heights_m=(0.0, 0.9, 1.8), half_size_m: float = 6.0,
                   step_m: float = 0.1) -> Tuple[np.ndarray, float]:
    """Centroid (2,) m of the floor area whose points at ``heights_m`` every
    camera sees, and that area in m^2."""
    axis = np.arange(-half_size_m, half_size_m + 1e-9, step_m)
    grid = np.stack(np.meshgrid(axis, axis, indexing='ij'), -1).reshape(-1, 2)
    ok = np.ones(len(grid), bool)
    for z in heights_m:
        pts = np.concatenate([grid, np.full((len(grid), 1), z)], 1)
        ok &= _visible(pts[:, None], cameras, margin_px)
    if not ok.any():
        raise ValueError('no floor point is seen by all the chosen cameras')
    return grid[ok].mean(0), float(ok.sum() * step_m**2)


def _visible(world: np.ndarray, cameras: Sequence[dict],
             margin_px: float) -> np.ndarray:
    """(T, K, 3) world -> (T,) bool: every joint in front of (z > 0.1 m) and
    inside the image of every camera."""
    ok = np.ones(world.shape[0], bool)
    for cam in cameras:
        x = world_to_camera(world, cam['R'], cam['T'])
        front = x[..., 2] > 0.1
        x = np.where(front[..., None], x, [0.0, 0.0, 1.0])
        uv = project_to_pixels(x, cam['f'], cam['c'], cam.get('k'),
                               cam.get('p'))
        inside = (uv[..., 0] >= margin_px) & (
            uv[..., 0] <= cam['w'] - margin_px) & (uv[..., 1] >= margin_px) & (
                uv[..., 1] <= cam['h'] - margin_px)
        ok &= (front & inside).all(-1)
    return ok


def place_sequence(seq: MocapSequence, cameras: Sequence[dict],
                   rng: np.random.Generator, margin_px: float = 10.0,
                   yaw_deg: Optional[float] = None,
                   centre: Optional[np.ndarray] = None,
                   probe_frames: int = 500) -> Tuple[np.ndarray, dict]:
    """Place ``seq`` in the Human3.6M world -> (T, 17, 3) m and details.

    Levelled (if ``seq.level``), lowest foot point (or joint) of the
    sequence at z = 0, turned about z (``yaw_deg``, or the first of 12 yaws
    30 deg apart from a random start that keeps every joint inside every
    image on ``probe_frames`` evenly spread frames), its horizontal bounding
    box centred on ``centre`` (default ``capture_centre(cameras)``).
    """
    joints, feet = seq.joints, seq.feet
    info = {}
    if seq.level:
        up, info['level'] = estimate_up(joints, feet)
        rot = _rotation_between(up, np.array([0.0, 0.0, 1.0]))
        joints, feet = joints @ rot.T, feet @ rot.T
    # the lowest foot point (or joint: hands when sitting on the floor) of
    # the whole sequence touches z = 0
    floor = min(feet[..., 2].min(), joints[..., 2].min())
    joints = joints - [0.0, 0.0, floor]
    if centre is None:
        centre, _ = capture_centre(cameras)
    start = rng.uniform(0, 360) if yaw_deg is None else yaw_deg
    yaws = [start] if yaw_deg is not None else start + 30.0 * np.arange(12)
    probe = joints[np.unique(
        np.linspace(0, len(joints) - 1, probe_frames).round().astype(int))]
    best = None
    for yaw in yaws:
        rot = axis_angle_to_matrix(np.array([0.0, 0.0, np.deg2rad(yaw)]))
        turned = probe @ rot.T
        lo, hi = turned[..., :2].min((0, 1)), turned[..., :2].max((0, 1))
        frac = _visible(turned + np.append(centre - (lo + hi) / 2, 0.0),
                        cameras, margin_px).mean()
        if best is None or frac > best[0]:
            best = (frac, yaw, rot)
        if frac == 1.0:
            break
    frac, yaw, rot = best
    world = joints @ rot.T
    lo, hi = world[..., :2].min((0, 1)), world[..., :2].max((0, 1))
    world = world + np.append(centre - (lo + hi) / 2, 0.0)
    info.update(yaw_deg=float(yaw % 360), floor_shift_m=float(-floor),
                probe_visible_frac=float(frac))
    return world, info


# ------------------------------------------------------------- resampling ---
def resample(x: np.ndarray, src_fps: float, dst_fps: float
             ) -> Tuple[np.ndarray, np.ndarray]:
    """(T, ...) at ``src_fps`` -> (T', ...) at ``dst_fps`` by linear
    interpolation in time, and the source positions (T',) in frames
    (integers when ``src_fps / dst_fps`` is: plain subsampling)."""
    if not (src_fps > 0 and dst_fps > 0):
        raise ValueError(f'fps must be > 0, got {src_fps} -> {dst_fps}')
    ratio = src_fps / dst_fps
    count = int(np.floor((len(x) - 1) / ratio + 1e-9)) + 1
    u = np.arange(count) * ratio
    near = np.round(u)
    u = np.where(np.abs(u - near) < 1e-9, near, u)
    i0 = np.minimum(np.floor(u).astype(np.int64), len(x) - 1)
    i1 = np.minimum(i0 + 1, len(x) - 1)
    w = (u - i0).reshape((-1, ) + (1, ) * (x.ndim - 1))
    return x[i0] * (1 - w) + x[i1] * w, u


# ---------------------------------------------------------------- 2D noise ---
@dataclass
class DetectionNoise:
    """Detector-like 2D noise; scores ``score_px / (score_px + error_px)``.

    jitter_px: Gaussian sigma per coordinate; outlier_prob / outlier_px: a
    joint jumps by a Gaussian offset of that sigma; drop_prob: a joint is
    missed (kept position, score ``drop_score``).
    """
    jitter_px: float = 2.0
    outlier_prob: float = 0.01
    outlier_px: float = 40.0
    drop_prob: float = 0.01
    drop_score: float = 0.05
    score_px: float = 10.0

    def __post_init__(self):
        for name in ('jitter_px', 'outlier_px', 'score_px'):
            if not getattr(self, name) >= 0:
                raise ValueError(f'DetectionNoise.{name} must be >= 0')
        for name in ('outlier_prob', 'drop_prob', 'drop_score'):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f'DetectionNoise.{name} must be in [0, 1]')

    def apply(self, uv: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """(N, K, 2) px -> (N, K, 3): noisy px and a score."""
        uv = np.asarray(uv, dtype=np.float64)
        noise = rng.normal(0.0, self.jitter_px, uv.shape)
        outlier = rng.random(uv.shape[:-1]) < self.outlier_prob
        noise += outlier[..., None] * rng.normal(0.0, self.outlier_px,
                                                 uv.shape)
        err = np.linalg.norm(noise, axis=-1)
        score = self.score_px / (self.score_px + err + 1e-12)
        dropped = rng.random(uv.shape[:-1]) < self.drop_prob
        score = np.where(dropped, self.drop_score, score)
        return np.concatenate([uv + noise, score[..., None]], axis=-1)


def _rng(seed: int, *keys: str) -> np.random.Generator:
    """A generator that depends on the seed and the keys only (adding or
    removing other sequences does not change this one's noise)."""
    words = [zlib.crc32(k.encode()) for k in keys]
    return np.random.default_rng([int(seed)] + words)


# -------------------------------------------------------------- conversion ---
def load_cameras_pkl(path: str) -> dict:
    import pickle
    try:
        with open(path, 'rb') as f:
            cams = pickle.load(f)
    except (OSError, pickle.UnpicklingError, EOFError) as err:
        raise ValueError(f'{path}: cannot read cameras pickle: {err}') from err
    if not isinstance(cams, dict):
        raise ValueError(f'{path}: expected a dict keyed by (subject, '
                         f'camera_id), got {type(cams).__name__}')
    return cams


def subject_cameras(cameras_pkl: dict, path: str, subject: str,
                    camera_ids: Sequence[str]) -> List[dict]:
    """``camera_from_pkl`` for each id, ValueError naming file and key."""
    out = []
    for cam_id in camera_ids:
        try:
            cam = camera_from_pkl(cameras_pkl, subject, cam_id)
        except CameraParamError as err:
            raise ValueError(f'{path}: key {(subject, cam_id)}: {err}') \
                from None
        for key in ('w', 'h'):
            if key not in cam:
                raise ValueError(f"{path}: key {(subject, cam_id)}: no image "
                                 f"size '{key}'")
        cam['id'] = str(cam_id)
        out.append(cam)
    return out


def _fps_label(fps: float) -> str:
    return f'fps{int(fps)}' if float(fps).is_integer() else f'fps{fps:g}'


def convert_to_h36m(sequences: Iterable[MocapSequence],
                    out_dir: str,
                    cameras_pkl: str,
                    splits: Optional[Dict[str, Sequence[str]]] = None,
                    camera_ids: Sequence[str] = H36M_CAMERA_IDS,
                    camera_subject: Optional[str] = None,
                    fps: float = 50.0,
                    max_frames: Optional[int] = None,
                    noise: Optional[DetectionNoise] = DetectionNoise(),
                    seed: int = 0,
                    margin_px: float = 10.0,
                    yaw_deg: Optional[float] = None,
                    progress: bool = True,
                    total: Optional[int] = None) -> dict:
    """Place, project and write ``sequences`` in MMPose's H36M layout.

    Writes under ``out_dir``: ``annotation_body3d/<fpsN>/h36m_<split>.npz``,
    ``annotation_body3d/cameras.pkl`` (the real cameras used, keyed by the
    output subject) and, unless ``noise`` is None,
    ``joint_2d_det_files/<fpsN>/h36m_<split>_noisy.npy`` ((N, 17, 3), rows
    as in the annotation). ``splits``: {split: subjects}; None puts every
    subject in 'train'; subjects of no split are skipped. ``camera_subject``:
    whose real cameras to use (default each sequence's own subject).
    ``max_frames`` caps the output frames per sequence. Returns
    ``{'paths': {...}, 'sequences': [...], 'frames': {split: N}}``.
    """
    from tqdm import tqdm
    cams_all = load_cameras_pkl(cameras_pkl)
    camera_ids = [str(c) for c in camera_ids]
    if not camera_ids:
        raise ValueError('camera_ids is empty')
    label = _fps_label(fps)
    step = H36M_VIDEO_FPS / fps
    per_split: Dict[str, dict] = {}
    used_cams: Dict[Tuple[str, str], dict] = {}
    centres: Dict[str, np.ndarray] = {}
    report = []
    if total is None and hasattr(sequences, '__len__'):
        total = len(sequences)
    seq_iter = tqdm(sequences, desc='mocap -> h36m', unit='seq',
                    total=total, disable=not progress)
    for seq in seq_iter:
        split = 'train' if splits is None else next(
            (s for s, subj in splits.items() if seq.subject in subj), None)
        if split is None:
            continue
        seq_iter.set_postfix_str(f'{seq.subject} {seq.action}')
        cam_subject = camera_subject or seq.subject
        cams = subject_cameras(cams_all, cameras_pkl, cam_subject, camera_ids)
        if cam_subject not in centres:
            centres[cam_subject] = capture_centre(cams)[0]
        world, info = place_sequence(
            seq, cams, _rng(seed, 'place', seq.subject, seq.action),
            margin_px, yaw_deg, centres[cam_subject])
        world, src_idx = resample(world, seq.fps, fps)
        if max_frames is not None:
            world, src_idx = world[:max_frames], src_idx[:max_frames]
        frames = np.arange(len(world))
        if float(step).is_integer():
            frames = frames * int(step)
        acc = per_split.setdefault(split, dict(names=[], s=[], uv=[], det=[]))
        inside = np.ones(len(world), bool)
        for cam in cams:
            used_cams[(seq.subject, cam['id'])] = cam
            x_cam = world_to_camera(world, cam['R'], cam['T'])
            if (x_cam[..., 2] <= 0).any():
                raise ValueError(f'{seq.source}: placed pose is behind '
                                 f"camera {cam_subject}/{cam['id']}")
            uv = project_to_pixels(x_cam, cam['f'], cam['c'], cam.get('k'),
                                   cam.get('p'))
            inside &= ((uv >= 0) & (uv <= [cam['w'], cam['h']])).all((1, 2))
            acc['names'] += [
                h36m_imgname(seq.subject, seq.action, cam['id'], int(i))
                for i in frames
            ]
            acc['s'].append(x_cam)
            acc['uv'].append(uv)
            if noise is not None:
                rng = _rng(seed, 'noise', seq.subject, seq.action, cam['id'])
                acc['det'].append(noise.apply(uv, rng).astype(np.float32))
        report.append(dict(subject=seq.subject, action=seq.action,
                           split=split, source=seq.source,
                           frames=len(world),
                           visible_frac=float(inside.mean()), **info))
        if not inside.all():
            logger.warning('%s: %d of %d frames leave an image', seq.source,
                           (~inside).sum(), len(inside))
    if not per_split:
        raise ValueError('no sequence belongs to any split '
                         f'{dict(splits or {})}')
    paths, counts = {}, {}
    for split, acc in per_split.items():
        ann = make_h36m_annotation(acc['names'], np.concatenate(acc['s']),
                                   np.concatenate(acc['uv']))
        ann = {k: (v.astype(np.float32) if v.dtype.kind == 'f' else v)
               for k, v in ann.items()}
        path = osp.join(out_dir, 'annotation_body3d', label,
                        f'h36m_{split}.npz')
        save_h36m_annotation(path, ann)
        paths[split] = path
        counts[split] = len(acc['names'])
        if noise is not None:
            det_path = osp.join(out_dir, 'joint_2d_det_files', label,
                                f'h36m_{split}_noisy.npy')
            with atomic_path(det_path) as tmp:
                with open(tmp, 'wb') as f:
                    np.save(f, np.concatenate(acc['det']))
            paths[f'{split}_detection'] = det_path
    paths['cameras'] = osp.join(out_dir, 'annotation_body3d', 'cameras.pkl')
    save_cameras(paths['cameras'], used_cams)
    return dict(paths=paths, sequences=report, frames=counts)
