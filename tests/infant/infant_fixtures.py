"""Small synthetic stand-ins for the infant data, in the originals' exact
layouts (file names, keys, shapes, dtypes), filled with random numbers.
No real SyRIP or MINI-RGBD value is in this repository.

SyRIP (ostadabbas/Infant-Postural-Symmetry): ``data/SyRIP_3d_correction/
correct_3D.npy`` (N, 14, 3) float64, ``data/SyRIP_3d_pred/
output_imgnames.npy`` (N,) ``<U18`` ``GB/image_XXXXX.jpg``,
``data/survey_data/img_name700_map.npy`` (M, 2) ``<U15`` [renamed, SyRIP
name], and the COCO keypoint jsons of ``data/SyRIP_2d_gt/train200`` and
``validate500``. MINI-RGBD: ``<seq>/joints_2Ddep/syn_joints_2Ddep_XXXXX.txt``
and ``<seq>/joints_3D/syn_joints_3D_XXXXX.txt``, 25 lines each.
"""
import json
import subprocess
from pathlib import Path

import numpy as np

COCO_NAMES = ['nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear',
              'left_shoulder', 'right_shoulder', 'left_elbow', 'right_elbow',
              'left_wrist', 'right_wrist', 'left_hip', 'right_hip',
              'left_knee', 'right_knee', 'left_ankle', 'right_ankle']
# the fixture's real images: 3 of SyRIP's train200 (the test split), 4 of
# its validate500 (train); renamed as the snapshot renames them
TRAIN200 = [('image_00000.jpg', 'train00001.jpg'),
            ('image_00001.jpg', 'train00002.jpg'),
            ('image_00002.jpg', 'train00005.jpg')]
VALIDATE500 = [('image_01200.jpg', 'test0.jpg'), ('image_01201.jpg',
                                                   'test1.jpg'),
               ('image_01202.jpg', 'test2.jpg'), ('image_01203.jpg',
                                                   'test3.jpg')]
# rows of correct_3D / output_imgnames: the real images in this order, with
# synthetic images between them (not in the name map)
ORDER_3D = ['image_01202.jpg', 'image_00300.jpg', 'image_00001.jpg',
            'image_01200.jpg', 'image_00000.jpg', 'image_00777.jpg',
            'image_01203.jpg', 'image_00002.jpg', 'image_01201.jpg']
SIZES = {'train00001.jpg': (1280, 720), 'train00002.jpg': (960, 720),
         'train00005.jpg': (1536, 2048), 'test0.jpg': (1920, 1080),
         'test1.jpg': (1280, 720), 'test2.jpg': (640, 360),
         'test3.jpg': (1280, 720)}


def coco_doc(names, rng, swap_first_two=False):
    """A SyRIP COCO keypoint json: images with ids, annotations keyed by
    image_id (optionally listed out of the images' order)."""
    images, anns = [], []
    for i, name in enumerate(names):
        w, h = SIZES[name]
        images.append(dict(file_name=name, id=100 + i, width=w, height=h,
                           is_synthetic=False, original_file_name=name))
        kp = np.concatenate([rng.uniform(0, min(w, h), (17, 2)),
                             np.full((17, 1), 2.)], 1)
        kp[3, 2] = 0.  # one unlabelled joint (left_ear)
        anns.append(dict(id=100 + i, image_id=100 + i, category_id=1,
                         keypoints=kp.reshape(-1).tolist(),
                         num_keypoints=16, bbox=[0, 0, w, h]))
    if swap_first_two:
        anns[0], anns[1] = anns[1], anns[0]
    return dict(images=images, annotations=anns, categories=[dict(
        id=1, name='person', supercategory='person', keypoints=COCO_NAMES)])


def write_syrip_snapshot(root: Path, seed: int = 0) -> dict:
    """Write the files a SyRIP snapshot holds under ``root``; returns the
    arrays written (for expected values)."""
    rng = np.random.default_rng(seed)
    root = Path(root)
    paths = dict(
        pose3d='data/SyRIP_3d_correction/correct_3D.npy',
        names3d='data/SyRIP_3d_pred/output_imgnames.npy',
        name_map='data/survey_data/img_name700_map.npy',
        train200='data/SyRIP_2d_gt/train200/person_keypoints_train_infant'
        '.json',
        validate500='data/SyRIP_2d_gt/validate500/'
        'person_keypoints_validate_infant.json')
    for p in paths.values():
        (root / p).parent.mkdir(parents=True, exist_ok=True)
    pose3d = rng.normal(0., 0.1, (len(ORDER_3D), 14, 3))
    names3d = np.array(['GB/' + n for n in ORDER_3D], dtype='<U18')
    name_map = np.array(TRAIN200 + VALIDATE500, dtype='<U15')
    np.save(root / paths['pose3d'], pose3d)
    np.save(root / paths['names3d'], names3d)
    np.save(root / paths['name_map'], name_map)
    docs = dict(train200=coco_doc([o for _, o in TRAIN200], rng),
                validate500=coco_doc([o for _, o in VALIDATE500], rng,
                                     swap_first_two=True))
    for key, doc in docs.items():
        (root / paths[key]).write_text(json.dumps(doc))
    return dict(pose3d=pose3d, names3d=names3d, name_map=name_map,
                docs=docs, paths=paths)


def git_snapshot(root: Path) -> Path:
    """Commit ``root`` into a repository and return its git directory (no
    work tree is needed to read it, as a fetched mirror)."""
    env = dict(GIT_AUTHOR_NAME='t', GIT_AUTHOR_EMAIL='t@t',
               GIT_COMMITTER_NAME='t', GIT_COMMITTER_EMAIL='t@t',
               HOME=str(root), PATH='/usr/bin:/bin:/usr/local/bin')
    for cmd in (['git', 'init', '-q'], ['git', 'add', '-A'],
                ['git', 'commit', '-q', '-m', 'fixture']):
        subprocess.run(cmd, cwd=root, check=True, env=env)
    return root / '.git'


def keypoints_of(doc: dict, name: str) -> np.ndarray:
    """(17, 3) keypoints of image ``name`` found by image_id."""
    image_id = next(im['id'] for im in doc['images']
                    if im['file_name'] == name)
    ann = next(a for a in doc['annotations'] if a['image_id'] == image_id)
    return np.asarray(ann['keypoints']).reshape(17, 3)


def write_mini_rgbd(root: Path, sequences=('11', '12'), frames=3,
                    seed: int = 0) -> dict:
    """MINI-RGBD joint files: ``x y depth id`` and ``x y z id`` lines."""
    rng = np.random.default_rng(seed)
    out = {}
    for seq in sequences:
        for sub in ('joints_2Ddep', 'joints_3D'):
            (Path(root) / seq / sub).mkdir(parents=True, exist_ok=True)
        for fr in range(frames):
            uvd = np.concatenate([rng.uniform(0, 480, (25, 2)),
                                  rng.uniform(500, 900, (25, 1))], 1)
            xyz = rng.normal(0., 0.15, (25, 3)) + [0., 0., 0.8]
            name = f'{fr:05d}'
            for sub, arr, fmt in (('joints_2Ddep', uvd, '%.3f'),
                                  ('joints_3D', xyz, '%.6f')):
                fname = f'syn_{sub}_{name}.txt'
                rows = [' '.join([fmt % v for v in row] + [str(j)])
                        for j, row in enumerate(arr)]
                (Path(root) / seq / sub / fname).write_text(
                    '\n'.join(rows) + '\n')
            out[f'{seq}/syn_{name}.png'] = (uvd, xyz)
    return out
