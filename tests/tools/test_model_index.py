"""The model index (model-index.yml, read by mim), the model zoo's
download equivalent, and packaged weights: a real non-editable
``pip install`` of the repository resolves every alias's config and
weights from another directory, and runs an alias through MMPose's
inferencer."""
import os
import os.path as osp
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from poselift_mm.apis import model_zoo

REPO = Path(__file__).resolve().parents[2]
PY = sys.executable
MIM = Path(PY).parent / 'mim'
# what a source tree holds besides the package (copied for the build)
SOURCE = ('setup.py', 'MANIFEST.in', 'README.md', 'LICENSE',
          'model-index.yml', 'requirements', 'configs', 'tools',
          'checkpoints', 'demo', 'poselift_mm')


def quiet_env(**extra):
    return {**os.environ, 'OMP_NUM_THREADS': '1',
            'PYTHONWARNINGS': 'ignore::UserWarning', **extra}


def test_model_index_imports_every_metafile():
    index = yaml.safe_load((REPO / 'model-index.yml').read_text())
    assert sorted(index['Import']) == sorted(
        str(Path(p).relative_to(REPO)) for p in model_zoo.metafiles())


def test_mim_search_lists_every_metafile_model(tmp_path):
    if not MIM.is_file():
        pytest.skip(f'{MIM} is absent (openmim not installed)')
    proc = subprocess.run([str(MIM), 'search', 'poselift_mm',
                           '--valid-config'], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300,
                          env=quiet_env())
    assert proc.returncode == 0, proc.stderr[-3000:]
    for name in model_zoo.list_models():
        assert f"'{name}'" in proc.stdout, name
    proc = subprocess.run([str(MIM), 'search', 'poselift_mm', '--field',
                           'weight', '--display-width', '200'], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300,
                          env=quiet_env())
    assert proc.returncode == 0, proc.stderr[-3000:]
    for name in model_zoo.list_models():
        weights = Path(model_zoo.get_model(name).weights)
        assert str(weights.relative_to(model_zoo.repo_root())) in \
            proc.stdout


def test_download_equivalent_from_another_directory(tmp_path):
    """``python -m poselift_mm.apis.model_zoo download``: what ``mim
    download`` writes (weights file, merged config) for packaged weights."""
    dest = tmp_path / 'dl'
    proc = subprocess.run([PY, '-m', 'poselift_mm.apis.model_zoo',
                           'download', 'zedo', 'diffpose-video', '--dest',
                           str(dest)], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300, env=quiet_env())
    assert proc.returncode == 0, proc.stderr[-3000:]
    for alias in ('zedo', 'diffpose-video'):
        m = model_zoo.resolve_model(alias)
        got = dest / osp.basename(m.weights)
        assert got.read_bytes() == Path(m.weights).read_bytes()
        cfg = (dest / f'{m.name}.py').read_text()
        assert 'model = dict(' in cfg and '_base_' not in cfg
    assert 'pkg_resources' not in proc.stderr
    proc = subprocess.run([PY, '-m', 'poselift_mm.apis.model_zoo',
                           'download', 'nope', '--dest', str(dest)],
                          cwd=tmp_path, capture_output=True, text=True,
                          timeout=300, env=quiet_env())
    assert proc.returncode == 2 and 'zedo' in proc.stderr


@pytest.fixture(scope='module')
def installed(tmp_path_factory):
    """``pip install --no-deps --no-build-isolation --target`` of a copy of
    the source tree (pip builds in place: the checkout stays untouched)."""
    src = tmp_path_factory.mktemp('src')
    skip = shutil.ignore_patterns('__pycache__', '*.pyc', '.mim',
                                  '*.egg-info')
    for name in SOURCE:
        path = REPO / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=skip)
        else:
            shutil.copy2(path, src / name)
    target = tmp_path_factory.mktemp('site')
    proc = subprocess.run(
        [PY, '-m', 'pip', 'install', '--no-deps', '--no-build-isolation',
         '--no-index', '--disable-pip-version-check', '-q', '--target',
         str(target), str(src)], capture_output=True, text=True,
        timeout=900, env=quiet_env())
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return target


def run_installed(target, code, cwd):
    """``code`` in a new interpreter in ``cwd`` that imports the installed
    copy (PYTHONPATH first; the project venv gives the dependencies)."""
    proc = subprocess.run([PY, '-c', code], cwd=cwd, capture_output=True,
                          text=True, timeout=600,
                          env=quiet_env(PYTHONPATH=str(target)))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout


def test_install_carries_the_mim_extension_and_weights(installed):
    mim = installed / 'poselift_mm' / '.mim'
    assert (mim / 'model-index.yml').is_file()
    for name in model_zoo.list_models():
        m = model_zoo.get_model(name)
        for path in (m.config, m.weights):
            rel = Path(path).relative_to(REPO)
            copy = mim / rel
            assert copy.is_file() and not copy.is_symlink(), rel
    assert (mim / 'tools' / 'test.py').is_file()
    # the checkout's editable links were not replaced by the build
    for link in (REPO / 'poselift_mm' / '.mim').iterdir():
        assert link.is_symlink(), link


def test_installed_copy_resolves_every_alias_elsewhere(installed,
                                                      tmp_path):
    code = '''
import os.path as osp
import poselift_mm
from poselift_mm.apis import init_lifter, model_zoo
print(poselift_mm.__file__)
print(model_zoo.repo_root())
for alias in model_zoo.list_aliases():
    m = model_zoo.resolve_model(alias)
    assert osp.isfile(m.config) and osp.isfile(m.weights), m
    print('ALIAS', alias, m.config, m.weights)
cfg, weights = model_zoo.resolve_lifter('zedo')
print('BUILT', type(init_lifter(cfg, weights, device='cpu')).__name__)
'''
    out = run_installed(installed, code, tmp_path)
    lines = out.splitlines()
    pkg = installed / 'poselift_mm'
    assert str(pkg / '__init__.py') in lines
    assert str(pkg / '.mim') in lines
    aliases = [ln.split() for ln in lines if ln.startswith('ALIAS ')]
    assert {a[1] for a in aliases} == set(model_zoo.list_aliases())
    for _, _, config, weights in aliases:
        assert config.startswith(str(pkg / '.mim' / 'configs'))
        assert weights.startswith(str(pkg / '.mim' / 'checkpoints'))
    assert 'BUILT ZeDOLifter' in lines


def test_installed_copy_alias_through_mmpose_inferencer(installed,
                                                       tmp_path):
    code = '''
import os.path as osp
import mmpose, numpy as np, torch
torch.set_num_threads(1)
from mmpose.apis import MMPoseInferencer
from poselift_mm.apis import enable_mmpose_inferencer
assert enable_mmpose_inferencer()
pose2d = osp.join(osp.dirname(mmpose.__file__), '.mim', 'configs',
                  'body_2d_keypoint', 'rtmpose', 'coco',
                  'rtmpose-t_8xb256-420e_coco-256x192.py')
inf = MMPoseInferencer(pose2d=pose2d, pose2d_weights=None, pose3d='zedo',
                       det_model='whole_image', device='cpu')
img = np.full((200, 160, 3), 60, np.uint8)
img[30:180, 60:100] = 200
(inst, ) = next(inf(img, return_vis=False))['predictions'][0]
print('KP', np.asarray(inst['keypoints']).shape)
'''
    out = run_installed(installed, code, tmp_path)
    assert 'KP (17, 3)' in out.splitlines()
