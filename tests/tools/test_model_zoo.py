"""poselift_mm.apis.model_zoo: the metafile models resolve to the
repository's config and weights files whatever the current directory, and
configs loaded through it name absolute repository paths."""
import os.path as osp
from pathlib import Path

import pytest

from poselift_mm.apis import model_zoo

REPO = Path(__file__).resolve().parents[2]


def test_every_metafile_model_resolves_to_existing_files():
    names = model_zoo.list_models()
    assert 'zedo_prior-mlp512_h36m-mocap_cpu' in names
    assert 'diffpose_gcndiff-mixste_h36m-mocap-27f_cpu_causal' in names
    for name in names:
        m = model_zoo.get_model(name)
        assert m.name == name
        assert osp.isabs(m.config) and osp.isfile(m.config), m.config
        assert osp.isabs(m.weights) and osp.isfile(m.weights), m.weights
        assert m.results and all('Metrics' in r for r in m.results)
        assert m.collection in ('ZeDO', 'DiffPose')


def test_resolution_does_not_depend_on_the_current_directory(
        tmp_path, monkeypatch):
    here = {n: model_zoo.get_model(n) for n in model_zoo.list_models()}
    monkeypatch.chdir(tmp_path)
    assert model_zoo.repo_root() == str(REPO)
    for name, m in here.items():
        again = model_zoo.get_model(name)
        assert (again.config, again.weights) == (m.config, m.weights)
        assert osp.isfile(again.config) and osp.isfile(again.weights)
    m = model_zoo.get_model('diffpose_gcndiff-gcnpose_h36m-mocap_cpu')
    assert m.weights == str(REPO / 'checkpoints/diffpose/diffpose_gcndiff-'
                            'gcnpose_h36m-mocap_cpu-e53441fa.pth')
    assert m.results[0]['Metrics']['MPJPE'] == 63.1


def test_unknown_model_names_the_known_ones():
    with pytest.raises(KeyError, match='zedo_prior-mlp512_h36m-mocap_cpu'):
        model_zoo.get_model('zedo')


def test_absolute_repo_paths_of_a_config_node():
    node = dict(a='data/h36m/', b=['checkpoints/x.pth', 'images/'],
                c='/abs/data/z', d='data', e=dict(f='work_dirs/q/best.pth'),
                g=3, h='http://host/checkpoints/y.pth')
    model_zoo.absolute_repo_paths(node, root='/repo')
    assert node == dict(a='/repo/data/h36m', b=['/repo/checkpoints/x.pth',
                                                 'images/'],
                        c='/abs/data/z', d='data',
                        e=dict(f='/repo/work_dirs/q/best.pth'), g=3,
                        h='http://host/checkpoints/y.pth')


def test_released_lifter_builds_from_another_directory(tmp_path,
                                                       monkeypatch):
    """The ZeDO config names its start poses repository-relatively: loaded
    through the zoo, the lifter builds anywhere."""
    from poselift_mm.apis import init_lifter
    monkeypatch.chdir(tmp_path)
    m = model_zoo.get_model('zedo_prior-mlp512_h36m-mocap_cpu')
    cfg = model_zoo.load_config(m.config)
    assert cfg.model.init_poses.file == str(
        REPO / 'checkpoints/zedo/h36m-mocap_clusters50.npz')
    assert cfg.test_dataloader.dataset.data_root == str(REPO /
                                                        'data/h36m_mocap')
    model = init_lifter(cfg, m.weights, device='cpu')
    assert type(model).__name__ == 'ZeDOLifter'


def test_resolution_in_a_fresh_process_elsewhere(tmp_path):
    """As a tool sees it: a new interpreter in another directory, the
    package found through the install (possibly a link into
    site-packages), not through the current directory."""
    import subprocess
    import sys
    code = ('from poselift_mm.apis.model_zoo import get_model, repo_root\n'
            "m = get_model('zedo_prior-mlp512_h36m-mocap_cpu')\n"
            'print(repo_root()); print(m.config); print(m.weights)')
    proc = subprocess.run([sys.executable, '-c', code], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    root, config, weights = proc.stdout.split()[-3:]
    assert root == str(REPO)
    assert osp.isfile(config) and osp.isfile(weights)
