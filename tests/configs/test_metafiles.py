"""Every released model in configs/<method>/metafile.yml: the config and
the committed weights exist, results are listed, and the weights load
strictly into the config's model."""
from pathlib import Path

import pytest
import yaml
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS

import poselift_mm  # noqa: F401
from poselift_mm.utils.checkpoint import check_checkpoint_fits

REPO = Path(__file__).resolve().parents[2]
ENTRIES = [(mf.parent.name, m)
           for mf in sorted((REPO / 'configs').glob('*/metafile.yml'))
           for m in yaml.safe_load(mf.read_text())['Models']]


def test_both_methods_have_metafiles():
    assert {'zedo', 'diffpose'} <= {name for name, _ in ENTRIES}


@pytest.mark.parametrize('entry', ENTRIES, ids=lambda e: e[1]['Name'])
def test_entry(entry, monkeypatch):
    monkeypatch.chdir(REPO)
    _, m = entry
    for key in ('Name', 'Config', 'Weights', 'Results'):
        assert m.get(key), f"{m.get('Name')}: '{key}' missing"
    assert (REPO / m['Config']).is_file()
    weights = REPO / m['Weights']
    assert weights.is_file(), f'{weights} is not committed'
    assert weights.stat().st_size < 8 * 2**20
    for r in m['Results']:
        assert r['Dataset'] and r['Metrics']
        assert all(isinstance(v, (int, float)) for v in r['Metrics'].values())
    init_default_scope('mmpose')
    model = MODELS.build(Config.fromfile(str(REPO / m['Config'])).model)
    check_checkpoint_fits(model, str(weights))
