"""How the configs are laid out: the data blocks (data_root, annotation
files, loaders, evaluators) live in configs/_base_/datasets/, the method
configs set codec, pipelines, model and schedule; a lifting head decodes
through the codec its pipeline encodes with."""
import ast
from pathlib import Path

import pytest
from mmengine.config import Config

REPO = Path(__file__).resolve().parents[2]
CONFIGS = REPO / 'configs'
METHOD_CONFIGS = sorted(p for p in CONFIGS.rglob('*.py')
                        if '_base_' not in p.relative_to(CONFIGS).parts)
DATA_KEYS = ('data_root', 'ann_file')
# heads of this package: they decode through MMPose's ``decoder`` argument
LIFTING_HEADS = ('DiffPoseHead', 'ScoreHead', 'PoseRegressionHead')


def _ids(p):
    return str(p.relative_to(CONFIGS).with_suffix(''))


def _data_keys_set(path):
    """(line, key) of every data_root / ann_file the file itself writes: a
    variable, a keyword argument (``dict(data_root=...)``), a dict-literal
    key or a ``--cfg-options``-style dotted string key."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [
                node.target]
            for t in targets:
                for n in ast.walk(t):
                    if isinstance(n, ast.Name) and n.id in DATA_KEYS:
                        found.append((node.lineno, n.id))
        elif isinstance(node, ast.keyword) and node.arg in DATA_KEYS:
            found.append((node.value.lineno, node.arg))
        elif isinstance(node, ast.Dict):
            for k in node.keys:
                if (isinstance(k, ast.Constant) and isinstance(k.value, str)
                        and k.value.rsplit('.', 1)[-1] in DATA_KEYS):
                    found.append((k.lineno, k.value))
    return sorted(found)


def test_method_configs_found():
    assert len(METHOD_CONFIGS) >= 20
    names = {p.name for p in (CONFIGS / '_base_' / 'datasets').glob('*.py')}
    assert {'h36m_mocap.py', 'h36m_mocap_video27.py',
            'h36m_videopose3d_files.py'} <= names
    # base files sit in configs/_base_, not beside the method configs
    assert not [p for p in METHOD_CONFIGS if p.name.startswith('_')]


def test_data_bases_do_not_shadow_mmpose_metainfo():
    """``metainfo=dict(from_file='configs/_base_/datasets/h36m.py')`` (MMPose
    datasets, poselift_mm.geometry) reads the file relative to the working
    directory first, mmpose/.mim second: a data block of that name here
    would replace MMPose's metainfo."""
    import mmpose
    mim = Path(mmpose.__file__).parent / '.mim/configs/_base_/datasets'
    ours = {p.name for p in (CONFIGS / '_base_' / 'datasets').glob('*.py')}
    theirs = {p.name for p in mim.glob('*.py')} | {'h36m.py',
                                                    'mpi_inf_3dhp.py'}
    assert not ours & theirs


@pytest.mark.parametrize('path', METHOD_CONFIGS, ids=_ids)
def test_method_config_sets_no_data_paths(path):
    """data_root / ann_file come from configs/_base_/datasets/*.py."""
    found = _data_keys_set(path)
    assert not found, (
        f'{_ids(path)} sets {found} (line, key) itself: put the data block '
        'in configs/_base_/datasets/ and inherit it')


def test_data_path_check_catches_a_data_block(tmp_path):
    bad = tmp_path / 'bad.py'
    bad.write_text("data_root = 'data/x/'\n"
                   "test_dataloader = dict(dataset=dict(ann_file='a.npz'))\n"
                   "over = {'test_dataloader.dataset.data_root': 'y'}\n")
    assert [k for _, k in _data_keys_set(bad)] == [
        'data_root', 'ann_file', 'test_dataloader.dataset.data_root']


def _encoders(cfg):
    """The GenerateTarget encoders of every dataloader's pipeline."""
    out = []
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        ds = (cfg.get(loader) or {}).get('dataset') or {}
        for t in ds.get('pipeline') or []:
            if t.get('type') == 'GenerateTarget':
                out.append((loader, t['encoder']))
    return out


@pytest.mark.parametrize('path', METHOD_CONFIGS, ids=_ids)
def test_lifting_head_decodes_with_the_pipeline_codec(path, monkeypatch):
    monkeypatch.chdir(REPO)
    cfg = Config.fromfile(str(path), import_custom_modules=False)
    model = cfg.model
    head = model.get('head')
    if model.type in ('DiffPoseLifter', 'ZeDOLifter'):
        # a pose-model config names its PoseRegressionHead, not head=None
        assert isinstance(head, dict) and head.get('type') in LIFTING_HEADS
    if not (isinstance(head, dict) and head.get('type') in LIFTING_HEADS):
        pytest.skip(f'{model.type} with an MMPose head: its own decoder')
    assert head.get('decoder'), f'{head.type} without a decoder'
    encoders = _encoders(cfg)
    assert encoders, 'no GenerateTarget in the pipelines'
    for loader, encoder in encoders:
        assert encoder == head.decoder, (
            f'{loader}: GenerateTarget encodes with {encoder}, the head '
            f'decodes with {head.decoder}')
    assert head.decoder == cfg.codec
