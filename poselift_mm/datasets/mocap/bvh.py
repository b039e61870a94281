"""BVH files (the CMU skeleton in its two common namings) -> 17-joint poses.

Owns the BVH parser (``read_bvh``), Euler channels and forward kinematics on
the file's joint tree, the CMU -> Human3.6M-17 joint map and the length
unit. BVH frames are y up with, at rest, the actor's left along +x and
forward along +z; rotation matrices act on column vectors
(``child = parent_pos + R_parent_global @ offset``, as
``poselift_mm.geometry.forward_kinematics``).
"""
import os.path as osp
import re
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import numpy as np

from poselift_mm.geometry import axis_angle_to_matrix, forward_kinematics
from .sequence import Y_UP_TO_Z_UP, MocapSequence

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
    names, parents, offsets, channels = _parse_hierarchy(path, tok)
    frame_time, motion = _parse_motion(path, tail,
                                       sum(len(c) for c in channels))
    return BvhData(path, names, parents, np.array(offsets), channels,
                   frame_time, motion)


def _parse_hierarchy(path: str, tok: List[str]) -> tuple:
    """HIERARCHY tokens -> joint names, parents, offsets, channels."""
    names, parents, offsets, channels = [], [], [], []
    stack: List[int] = []
    i = 1
    try:
        while i < len(tok):
            t = tok[i]
            if t in ('ROOT', 'JOINT') or (t == 'End' and tok[i + 1] == 'Site'):
                if t == 'ROOT' and names:
                    raise ValueError(f'{path}: more than one ROOT')
                if t == 'End' and not stack:
                    raise ValueError(f'{path}: End Site outside a joint')
                name, off, chans, i = _parse_joint(
                    path, tok, i, names[stack[-1]] if stack else None)
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
    return names, parents, offsets, channels


def _parse_joint(path: str, tok: List[str], i: int,
                 parent: Optional[str]) -> tuple:
    """The joint that starts at ``tok[i]`` ('ROOT'/'JOINT' <name>, or 'End
    Site' below ``parent``) -> name, offset, channels, next token index."""
    t = tok[i]

    def need(n):
        if i + n > len(tok):
            raise ValueError(f'{path}: hierarchy ends early')

    if t == 'End':
        name = f'{parent}_End'
    else:
        need(2)
        name = tok[i + 1]
    i += 2
    if tok[i] != '{':
        raise ValueError(f"{path}: joint '{name}': expected '{{'")
    need(5)
    if tok[i + 1] != 'OFFSET':
        raise ValueError(f"{path}: joint '{name}': expected OFFSET")
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
    return name, off, chans, i


def _parse_motion(path: str, tail: str,
                  num_ch: int) -> Tuple[float, np.ndarray]:
    """The text after 'MOTION' -> Frame Time (s) and (F, num_ch) values."""
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
    if num_frames < 1 or values.size != num_frames * num_ch:
        raise ValueError(f'{path}: MOTION: {values.size} values for '
                         f'Frames: {num_frames} x {num_ch} channels')
    motion = values.reshape(num_frames, num_ch)
    bad = np.count_nonzero(~np.isfinite(motion))
    if bad:
        raise ValueError(f'{path}: MOTION contains {bad} NaN/inf values')
    return frame_time, motion


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

