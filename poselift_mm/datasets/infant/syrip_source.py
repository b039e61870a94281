"""SyRIP's public 3D infant poses -> this project's two split files.

Source: a snapshot of ostadabbas/Infant-Postural-Symmetry (Huang et al.,
2022), either a checkout or a git directory without a work tree (what the
``fetch`` of a mirror gives; read with ``git show HEAD:<path>``). Files used
(:data:`SYRIP_FILES`):

* ``correct_3D.npy`` (1700, 14, 3): the manually corrected 3D poses, metres,
  LSP-14 order (``joints.LSP14_NAMES``); row i belongs to image
  ``output_imgnames.npy[i]`` (``GB/image_XXXXX.jpg``);
* ``img_name700_map.npy`` (700, 2): [renamed image, SyRIP image] for the 700
  real images (``train00001.jpg`` ... of SyRIP's 200 real training images,
  ``testN.jpg`` of its 500 validation images); the other 1000 rows of the
  3D file are synthetic images and are not used, as in ZeDO;
* COCO-17 ground truth 2D: ``train200/person_keypoints_train_infant.json``
  and ``validate500/person_keypoints_validate_infant.json``.

Split (ipl-uw/ZeDO-Release ``syrip_process.py``): the 200 images of the
``train200`` file are the TEST split, the 500 others TRAIN. Rows keep the
order of ``output_imgnames.npy`` (ZeDO's ``syrip.read_data``), so the first
train row is ZeDO's IPO start pose (``train_dataset.db_3d[0]``).

Repairs against the original processing (docs/zedo_infant.md): the 2D of
an image is found by ``image_id`` (``syrip_process.py`` pairs ``images[i]``
with ``annotations[i]``; two annotations of ``validate500`` are out of
order, so test83/test84 got each other's 2D), and the ``train200`` 2D is
read from ``train200/`` (the original reads a non-existent
``validate500/person_keypoints_train_infant.json``).

Licence: SyRIP is for non-commercial research only; what this module writes
is derived from it: keep it out of version control (``/data/`` is ignored).
"""
import io
import json
import os.path as osp
import subprocess
from typing import Dict, Tuple

import numpy as np

from poselift_mm.utils.datafile import DataFileError
from poselift_mm.utils.io import atomic_path, save_npz_atomic
from .joints import lsp14_to_h36m

__all__ = ['SYRIP_FILES', 'read_source_file', 'coco_by_name',
           'syrip_split_arrays', 'start_pose', 'convert_syrip']

SYRIP_FILES = dict(
    pose3d='data/SyRIP_3d_correction/correct_3D.npy',
    names3d='data/SyRIP_3d_pred/output_imgnames.npy',
    name_map='data/survey_data/img_name700_map.npy',
    train200='data/SyRIP_2d_gt/train200/person_keypoints_train_infant.json',
    validate500='data/SyRIP_2d_gt/validate500/'
    'person_keypoints_validate_infant.json')


def _is_git_dir(src: str) -> bool:
    return osp.isfile(osp.join(src, 'HEAD')) and osp.isdir(
        osp.join(src, 'objects'))


def read_source_file(src: str, relpath: str) -> bytes:
    """The bytes of ``relpath`` in a checkout, or at ``HEAD`` of a git
    directory without a work tree."""
    if _is_git_dir(src):
        res = subprocess.run(['git', f'--git-dir={src}', 'show',
                              f'HEAD:{relpath}'], capture_output=True)
        if res.returncode:
            raise DataFileError(f'{src}:HEAD:{relpath}', None,
                                res.stderr.decode().strip() or 'not found')
        return res.stdout
    path = osp.join(src, relpath)
    if not osp.isfile(path):
        raise DataFileError(path, None, 'file does not exist (give the '
                            'root of an Infant-Postural-Symmetry snapshot)')
    with open(path, 'rb') as f:
        return f.read()


def _npy(src, key) -> np.ndarray:
    try:
        return np.load(io.BytesIO(read_source_file(src, SYRIP_FILES[key])),
                       allow_pickle=False)
    except ValueError as e:
        raise DataFileError(SYRIP_FILES[key], None, f'not an array ({e})')


def coco_by_name(doc: dict, path: str) -> Dict[str, Tuple]:
    """COCO keypoint json -> {file_name: (keypoints (17, 3) [x, y, v],
    width, height)}, the annotation found by ``image_id``."""
    anns = {}
    for a in doc.get('annotations', []):
        if a['image_id'] in anns:
            raise DataFileError(path, 'annotations', 'several annotations '
                                f"for image_id {a['image_id']}")
        anns[a['image_id']] = a
    out = {}
    for im in doc.get('images', []):
        if im['id'] not in anns:
            raise DataFileError(path, 'annotations',
                                f"no annotation for image {im['file_name']}")
        kp = np.asarray(anns[im['id']]['keypoints'], dtype=np.float64)
        if kp.shape != (51, ):
            raise DataFileError(path, 'keypoints', f"image {im['file_name']}"
                                f': expected 51 numbers, got {kp.shape}')
        out[im['file_name']] = (kp.reshape(17, 3), int(im['width']),
                                int(im['height']))
    return out


def syrip_split_arrays(pose3d, names3d, name_map, coco_train: dict,
                       coco_val: dict) -> Dict[str, dict]:
    """{'train': arrays, 'test': arrays} (module doc): ``imgname`` (N,)
    SyRIP names, ``renamed`` (N,), ``pose3d_lsp14`` (N, 14, 3) m,
    ``keypoints2d_coco`` (N, 17, 3) px + v, ``image_size`` (N, 2) w, h."""
    if pose3d.ndim != 3 or pose3d.shape[1:] != (14, 3) or \
            len(pose3d) != len(names3d):
        raise DataFileError(SYRIP_FILES['pose3d'], None, 'expected (N, 14, '
                            f'3) for {len(names3d)} names, got '
                            f'{pose3d.shape}')
    real = {str(new): str(old) for new, old in np.asarray(name_map)}
    rows = {'train': [], 'test': []}
    for i, name in enumerate(np.asarray(names3d).astype(str)):
        renamed = name.split('/')[-1]
        if renamed not in real:  # a synthetic image
            continue
        old = real[renamed]
        split = 'test' if old in coco_train else 'train'
        source = coco_train if split == 'test' else coco_val
        if old not in source:
            raise DataFileError(SYRIP_FILES['validate500'], None,
                                f'no 2D for {old}')
        kp, w, h = source[old]
        rows[split].append((old, renamed, pose3d[i], kp, (w, h)))
    out = {}
    for split, r in rows.items():
        out[split] = dict(
            imgname=np.array([x[0] for x in r]),
            renamed=np.array([x[1] for x in r]),
            pose3d_lsp14=np.array([x[2] for x in r], dtype=np.float64),
            keypoints2d_coco=np.array([x[3] for x in r], dtype=np.float64),
            image_size=np.array([x[4] for x in r], dtype=np.int64),
            split=np.array(split))
    return out


def start_pose(pose3d_lsp14) -> np.ndarray:
    """ZeDO's infant IPO start pose: the first training pose, as (1, 17, 3)
    H36M-17 metres about its mid-hip (``clusters`` layout of
    :func:`poselift_mm.utils.initial_poses.read_initial_poses`)."""
    x = lsp14_to_h36m(pose3d_lsp14[:1])
    return (x - x[:, :1]).astype(np.float32)


def convert_syrip(src: str, out_dir: str) -> Dict[str, str]:
    """Write ``syrip_train.npz``, ``syrip_test.npz`` and
    ``syrip_start_pose.npy`` into ``out_dir``; returns {name: path}."""
    docs = {}
    for key in ('train200', 'validate500'):
        try:
            docs[key] = coco_by_name(
                json.loads(read_source_file(src, SYRIP_FILES[key])),
                SYRIP_FILES[key])
        except json.JSONDecodeError as e:
            raise DataFileError(SYRIP_FILES[key], None, f'bad json ({e})')
    splits = syrip_split_arrays(_npy(src, 'pose3d'), _npy(src, 'names3d'),
                                _npy(src, 'name_map'), docs['train200'],
                                docs['validate500'])
    paths = {}
    for split, arrays in splits.items():
        paths[split] = osp.join(out_dir, f'syrip_{split}.npz')
        save_npz_atomic(paths[split], **arrays)
    paths['start_pose'] = osp.join(out_dir, 'syrip_start_pose.npy')
    with atomic_path(paths['start_pose']) as tmp:
        np.save(tmp, start_pose(splits['train']['pose3d_lsp14']))
    return paths
