"""COCO-17 vs Human3.6M-17 by geometry, and by dataset name: real Human3.6M
2D (MMPose's samples and, when built, the mocap-derived S8 set), and COCO
faces placed on the same real skeletons and projected through the same
real cameras."""
import pickle
from pathlib import Path

import numpy as np
import pytest

from poselift_mm.geometry import camera_from_pkl, project_to_pixels
from poselift_mm.geometry.format_detection import (KeypointFormatError,
                                                   detect_17_joint_format,
                                                   face_ratio,
                                                   format_from_dataset,
                                                   require_17_joint_format)

REPO = Path(__file__).resolve().parents[2]
MOCAP_VAL = REPO / 'data/h36m_mocap/annotation_body3d/fps50/h36m_val.npz'


def _unit(v):
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def coco_from_h36m_3d(s):
    """(N, 17, 3) Human3.6M camera-frame metres -> COCO-17 3D: the body
    joints copied, a face (nose, eyes, ears; typical adult offsets) placed
    on the head: 'up' from thorax to head, 'left' from the shoulders,
    'forward' their cross product (the side the H36M nose joint is on).
    Returns the COCO joints and whether the face looks away from the
    camera (its nose and eyes would be hidden)."""
    up = _unit(s[:, 10] - s[:, 8])
    left = s[:, 11] - s[:, 14]
    left = _unit(left - (left * up).sum(-1, keepdims=True) * up)
    fwd = np.cross(left, up)
    centre = s[:, 9] + 0.02 * up

    def face(u, f, side):
        return centre + u * up + f * fwd + side * left

    head = np.stack([face(0, .10, 0), face(.035, .075, .032),
                     face(.035, .075, -.032), face(.02, 0, .075),
                     face(.02, 0, -.075)], 1)
    body = s[:, [11, 14, 12, 15, 13, 16, 4, 1, 5, 2, 6, 3]]
    away = (fwd * s[:, 0]).sum(-1) > 0
    return np.concatenate([head, body], 1), away


def test_coco_face_builder_faces_the_h36m_nose(h36m_samples):
    """The synthetic face is on the side of Human3.6M's nose joint (9)."""
    s = np.load(h36m_samples / 'test_h36m_body3d.npz')['S'][..., :3]
    coco, _ = coco_from_h36m_3d(s)
    up = _unit(s[:, 10] - s[:, 8])
    off = s[:, 9] - s[:, 8]
    off -= (off * up).sum(-1, keepdims=True) * up
    nose_dir = coco[:, 0] - s[:, 9]
    assert ((off * nose_dir).sum(-1) > 0).all()


def real_frames(h36m_samples):
    """The 4 real frames: H36M 2D as annotated, and COCO 2D projected
    through each frame's real camera (with distortion)."""
    d = np.load(h36m_samples / 'test_h36m_body3d.npz')
    with open(h36m_samples / 'cameras.pkl', 'rb') as f:
        cams = pickle.load(f)
    coco, away = coco_from_h36m_3d(d['S'][..., :3].astype(np.float64))
    uv = []
    for i, name in enumerate(d['imgname']):
        subject, folder = str(name).split('/')[:2]
        cam = camera_from_pkl(cams, subject, folder.split('.')[1])
        uv.append(np.asarray(project_to_pixels(
            coco[i], cam['f'], cam['c'], cam['k'], cam['p'])))
    return d['part'][..., :2], d['part'][..., 2], np.stack(uv), away


def test_real_h36m_frames_and_their_coco_faces(h36m_samples):
    h36m, vis, coco, away = real_frames(h36m_samples)
    r_h36m = face_ratio(h36m, vis)
    r_coco = face_ratio(coco)
    assert (r_h36m > 0.3).all(), r_h36m  # measured 0.35-0.60
    assert (r_coco < 0.15).all(), r_coco  # measured 0.07-0.09
    for i in range(4):  # every single frame decides
        assert detect_17_joint_format(h36m[i:i + 1],
                                      vis[i:i + 1]).format == 'h36m'
        assert detect_17_joint_format(coco[i:i + 1]).format == 'coco'
    # a face turned away: nose and eyes hidden, the ears still decide
    sc = np.ones((4, 17))
    sc[:, :3] = 0.
    vote = detect_17_joint_format(coco, sc)
    assert vote.format == 'coco' and vote.coco == 4


def test_joint_order_matters_not_the_image_position(h36m_samples):
    """Rotating the image (a lying person) or scaling it changes nothing;
    shuffling H36M into COCO's joint positions does."""
    h36m, vis, coco, _ = real_frames(h36m_samples)
    ang = np.deg2rad(90.)
    rot = np.array([[np.cos(ang), -np.sin(ang)], [np.sin(ang), np.cos(ang)]])
    for kp in (h36m, coco):
        turned = (kp - kp.mean(1, keepdims=True)) @ rot.T * 0.3 + 50.
        np.testing.assert_allclose(face_ratio(turned), face_ratio(kp),
                                   rtol=1e-9)


@pytest.fixture(scope='module')
def mocap_s8():
    if not MOCAP_VAL.is_file():
        pytest.skip(f'{MOCAP_VAL} is absent (bash '
                    'tools/prepare_mocap_data.sh builds it)')
    with np.load(MOCAP_VAL) as d:
        rows = slice(None, None, 100)
        return dict(part=d['part'][rows], S=d['S'][rows, :, :3],
                    imgname=d['imgname'][rows])


def test_mocap_s8_every_sequence_decides_right(mocap_s8):
    """Every S8 sequence (4 cameras x 30 actions), as tracks: Human3.6M 2D
    through the real cameras, and COCO faces on the same poses projected
    by a pinhole of the cameras' intrinsics, with 1 % of the person's size
    of 2D noise."""
    rng = np.random.default_rng(0)
    part, s = mocap_s8['part'], mocap_s8['S'].astype(np.float64)
    seq = np.array([str(n).split('/')[1] for n in mocap_s8['imgname']])
    coco3d, away = coco_from_h36m_3d(s)
    coco = coco3d[..., :2] / coco3d[..., 2:] * 1145. + [512., 515.]
    size = np.linalg.norm(np.ptp(coco, axis=1), axis=-1)[:, None, None]
    coco += rng.normal(0, 0.01, coco.shape) * size
    sc = np.ones(coco.shape[:2])
    sc[away, :3] = 0.05  # faces turned away: nose and eyes unsure
    r = face_ratio(part[..., :2], part[..., 2])
    assert np.nanmin(r) > 0.15 and np.mean(r > 0.3) > 0.99
    for name in np.unique(seq):
        m = seq == name
        assert detect_17_joint_format(part[m, :, :2],
                                      part[m, :, 2]).format == 'h36m', name
        assert detect_17_joint_format(coco[m], sc[m]).format == 'coco', name


def test_undecidable_inputs_are_refused():
    rng = np.random.default_rng(1)
    kp = rng.normal(500, 100, (5, 17, 2))
    sc = np.ones((5, 17))
    sc[:, 2:4] = 0.  # joints 2 and 3 never visible
    vote = detect_17_joint_format(kp, sc)
    assert vote.format is None and vote.abstained == 5
    with pytest.raises(KeypointFormatError, match=r"--format coco\|h36m"):
        require_17_joint_format(kp, sc, hint='use --format coco|h36m')
    with pytest.raises(KeypointFormatError, match='no frame has enough'):
        require_17_joint_format(kp, sc)
    # too few visible joints
    sc = np.zeros((2, 17))
    sc[:, :5] = 1.
    assert np.isnan(face_ratio(kp[:2], sc)).all()
    # half the frames each way: the frames disagree
    face = np.zeros((17, 2))
    face[5:] = rng.normal(0, 300, (12, 2))
    face[:5] = rng.normal(0, 5, (5, 2))
    legs = face.copy()
    legs[2], legs[3] = [0, 400], [0, 800]
    vote = detect_17_joint_format(np.stack([face, legs]))
    assert (vote.coco, vote.h36m, vote.format) == (1, 1, None)
    with pytest.raises(KeypointFormatError, match='frames disagree'):
        require_17_joint_format(np.stack([face, legs]))
    # 4 against 1: 80 % decide
    vote = detect_17_joint_format(np.stack([face] * 4 + [legs]))
    assert vote.format == 'coco' and 'COCO-17' in vote.summary()


def test_format_from_dataset():
    assert format_from_dataset('coco', 17) == 'coco'
    assert format_from_dataset('h36m', 17) == 'h36m'
    assert format_from_dataset('halpe26') == 'halpe26'
    with pytest.raises(KeypointFormatError, match="'coco' has 17 joints"):
        format_from_dataset('coco', 26)
    with pytest.raises(KeypointFormatError, match='crowdpose.*supported'):
        format_from_dataset('crowdpose', 14)
