"""tools/lift.py takes a released model's alias (its packaged weights),
from any directory; a config file without its checkpoint is refused."""
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from poselift_mm.apis import model_zoo

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope='module')
def tool():
    spec = importlib.util.spec_from_file_location('lift_tool',
                                                  REPO / 'tools/lift.py')
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize('alias', ['zedo', 'diffpose', 'diffpose-video'])
def test_alias_from_another_directory(alias, tool, h36m_samples, tmp_path,
                                      monkeypatch):
    d = np.load(h36m_samples / 'test_h36m_body3d.npz')
    np.savez(tmp_path / 'kp.npz', keypoints=d['part'][..., :2],
             scores=d['part'][..., 2])
    monkeypatch.chdir(tmp_path)
    assert tool.main(['kp.npz', alias, '--out', 'out.json', '--format',
                      'h36m', '--image-size', '1000', '1002']) == 0
    meta = json.loads((tmp_path / 'out.json').read_text())['meta']
    m = model_zoo.resolve_model(alias)
    assert meta['model']['config'] == m.config
    assert meta['model']['checkpoint'] == m.weights


def test_config_needs_its_checkpoint_and_unknown_names_are_named(
        tool, tmp_path, capsys):
    np.savez(tmp_path / 'kp.npz', keypoints=np.zeros((2, 17, 2)))
    cfg = model_zoo.resolve_model('zedo').config
    assert tool.main([str(tmp_path / 'kp.npz'), cfg, '--out',
                      str(tmp_path / 'x.json')]) == 2
    assert 'needs its CHECKPOINT' in capsys.readouterr().err
    assert tool.main([str(tmp_path / 'kp.npz'), 'zedoo', '--out',
                      str(tmp_path / 'x.json')]) == 2
    err = capsys.readouterr().err
    assert 'zedoo' in err and 'diffpose-video' in err
    assert not (tmp_path / 'x.json').exists()
