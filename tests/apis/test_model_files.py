"""The files a config names (ZeDO's start poses, DiffPose's GMM) are found
from any directory: beside the config or the checkpoint, in the package's
repository, or (the GMM) in the checkpoint itself; tools/lift.py of an
installed copy of the package and tools/test.py run from elsewhere."""
import copy
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config

from poselift_mm.apis.lift import init_lifter, resolve_model_files
from poselift_mm.utils.paths import (candidates, checkpoint_bases,
                                     config_bases, find_file)

REPO = Path(__file__).resolve().parents[2]
ZEDO_CFG = REPO / 'configs/zedo/zedo_prior-mlp512_h36m-mocap_cpu.py'
DIFF_CFG = REPO / 'configs/diffpose/diffpose_gcndiff-gcnpose_h36m-mocap_cpu.py'
CLUSTERS = REPO / 'checkpoints/zedo/h36m-mocap_clusters50.npz'
GMM = REPO / 'checkpoints/diffpose/h36m-mocap_noisy2d_gmm3.npz'
PY = sys.executable


def released(pattern):
    hits = sorted(REPO.glob(pattern))
    if not hits:
        pytest.skip(f'no committed checkpoint {pattern}')
    return hits[-1]


@pytest.fixture(autouse=True, scope='module')
def one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def test_bases_and_candidates(tmp_path):
    repo = tmp_path / 'repo'
    (repo / 'configs/zedo').mkdir(parents=True)
    (repo / 'checkpoints/zedo').mkdir(parents=True)
    cfg = repo / 'configs/zedo/x.py'
    ckpt = repo / 'checkpoints/zedo/x.pth'
    assert config_bases(str(cfg)) == [str(cfg.parent), str(repo)]
    assert checkpoint_bases(str(ckpt)) == [str(ckpt.parent), str(repo)]
    assert checkpoint_bases('https://host/x.pth') == []
    dl = tmp_path / 'downloads'
    dl.mkdir()
    assert checkpoint_bases(str(dl / 'x.pth')) == [str(dl)]
    (dl / 'c.npz').write_bytes(b'')
    rel = 'checkpoints/zedo/c.npz'
    # by name beside a downloaded checkpoint
    assert find_file(rel, [str(dl)], [str(dl)]) == str(dl / 'c.npz')
    assert find_file(rel, [str(dl)]) is None or \
        find_file(rel, [str(dl)]).endswith(rel)  # the package's, if any
    order = candidates(rel, [str(repo), str(dl)], [str(dl)])
    assert order[:4] == [os.path.abspath(rel), str(repo / rel),
                         str(dl / rel), str(dl / 'c.npz')]
    assert find_file(str(dl / 'c.npz')) == str(dl / 'c.npz')  # absolute
    assert find_file(None) is None


def test_released_models_load_from_another_directory(tmp_path,
                                                     monkeypatch):
    monkeypatch.chdir(tmp_path)
    zedo = init_lifter(str(ZEDO_CFG), str(released(
        'checkpoints/zedo/zedo_prior-mlp512_h36m-mocap_cpu-*.pth')), 'cpu')
    assert zedo.cfg.model.init_poses.file == str(CLUSTERS)
    c = np.load(CLUSTERS)
    top = c['clusters'][np.argmax(c['counts'])]
    np.testing.assert_allclose(zedo.head.initial_poses[0].numpy(),
                               top - top[:1], atol=1e-6)
    ckpt = released('checkpoints/diffpose/'
                    'diffpose_gcndiff-gcnpose_h36m-mocap_cpu-*.pth')
    diff = init_lifter(str(DIFF_CFG), str(ckpt), 'cpu')
    assert diff.cfg.model.head.gmm.path == str(GMM)
    state = torch.load(ckpt, map_location='cpu')['state_dict']
    torch.testing.assert_close(diff.head.gmm.sigmas,
                               state['head.gmm.sigmas'].float())  # fp16


def tiny_diffpose(tmp_path, gmm_file):
    cfg = Config.fromfile(str(DIFF_CFG))
    cfg.merge_from_dict({
        'model.backbone.hid_dim': 16, 'model.backbone.num_layers': 1,
        'model.head.denoiser.hid_dim': 16,
        'model.head.denoiser.num_layers': 1,
        'model.head.gmm.path': gmm_file})
    cfg.model.pop('backbone_checkpoint')
    return cfg


def test_gmm_comes_from_the_checkpoint_when_its_file_is_gone(tmp_path,
                                                             monkeypatch):
    from poselift_mm.models.priors.gmm import GMMPrior
    rng = np.random.default_rng(0)
    prior = GMMPrior(17, 2).set_parameters(
        rng.dirichlet([1, 1], 17), rng.normal(0, .01, (17, 2, 2)),
        rng.uniform(.01, .05, (17, 2, 2)))
    gmm_file = tmp_path / 'gmm2.npz'
    prior.save(str(gmm_file))
    cfg = tiny_diffpose(tmp_path, str(gmm_file))
    cfg.model.head.gmm.num_components = 2
    torch.manual_seed(0)
    model = init_lifter(cfg, device='cpu')
    ckpt = tmp_path / 'models' / 'tiny.pth'
    ckpt.parent.mkdir()
    torch.save({'state_dict': model.state_dict()}, ckpt)
    # the config names the file relative to somewhere else; it is gone
    gmm_file.unlink()
    monkeypatch.chdir(tmp_path / 'models')
    cfg = tiny_diffpose(tmp_path, 'work_dirs/gmm/gmm2.npz')
    cfg.model.head.gmm.num_components = 3  # the checkpoint's K wins
    notes = resolve_model_files(copy.deepcopy(cfg), str(ckpt))
    assert notes and 'the GMM comes from the checkpoint' in notes[0]
    again = init_lifter(cfg, str(ckpt), 'cpu')
    assert again.head.gmm.num_components == 2
    for key in ('weights', 'means', 'sigmas'):
        torch.testing.assert_close(getattr(again.head.gmm, key),
                                   getattr(prior, key).float())
    # without a checkpoint the missing file is an error naming the key
    with pytest.raises(ValueError, match=r"model\.head\.gmm\.path="
                       r"'work_dirs/gmm/gmm2\.npz' is not a file here.*"
                       r"--cfg-options model\.head\.gmm\.path=PATH"):
        init_lifter(cfg, device='cpu')


def test_missing_start_poses_name_the_key(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match=r"model\.init_poses\.file="
                       r"'checkpoints/zedo/absent\.npz'.*looked in: "
                       rf"{tmp_path}/checkpoints/zedo/absent\.npz, "
                       rf"{REPO}/configs/zedo/checkpoints"):
        init_lifter(str(ZEDO_CFG), device='cpu', cfg_options={
            'model.init_poses.file': 'checkpoints/zedo/absent.npz'})


def installed_copy(root: Path) -> Path:
    """What a plain (non-editable) ``pip install .`` lays out: the package
    with ``.mim/configs`` and ``.mim/tools`` copies, no checkpoints."""
    site = root / 'site'
    shutil.copytree(REPO / 'poselift_mm', site / 'poselift_mm',
                    ignore=shutil.ignore_patterns('__pycache__', '.mim'))
    for name in ('configs', 'tools'):
        shutil.copytree(REPO / name, site / 'poselift_mm/.mim' / name,
                        ignore=shutil.ignore_patterns('__pycache__'))
    return site


@pytest.mark.parametrize('model', ['zedo', 'diffpose'])
def test_installed_copy_lifts_from_another_directory(model, tmp_path,
                                                     h36m_samples):
    """tools/lift.py of an installed copy, run from an unrelated folder,
    with the copy's config and a checkpoint downloaded to a folder of its
    own: ZeDO's start poses are found beside the checkpoint, DiffPose's
    GMM comes from the checkpoint."""
    site = installed_copy(tmp_path)
    dl = tmp_path / 'downloads'
    dl.mkdir()
    if model == 'zedo':
        cfg = 'configs/zedo/zedo_prior-mlp512_h36m-mocap_cpu.py'
        ckpt = released('checkpoints/zedo/'
                        'zedo_prior-mlp512_h36m-mocap_cpu-*.pth')
        shutil.copy(CLUSTERS, dl)
    else:
        cfg = 'configs/diffpose/diffpose_gcndiff-gcnpose_h36m-mocap_cpu.py'
        ckpt = released('checkpoints/diffpose/'
                        'diffpose_gcndiff-gcnpose_h36m-mocap_cpu-*.pth')
    shutil.copy(ckpt, dl)
    d = np.load(h36m_samples / 'test_h36m_body3d.npz')
    np.savez(tmp_path / 'kp.npz', keypoints=d['part'][..., :2],
             scores=d['part'][..., 2])
    work = tmp_path / 'elsewhere'
    work.mkdir()
    env = {**os.environ, 'PYTHONPATH': str(site), 'OMP_NUM_THREADS': '1'}
    mim = site / 'poselift_mm/.mim'
    proc = subprocess.run(
        [PY, str(mim / 'tools/lift.py'), str(tmp_path / 'kp.npz'),
         str(mim / cfg), str(dl / ckpt.name), '--out', 'out.json',
         '--image-size', '1000', '1002',
         '--no-consistency'],  # MMPose's samples: frames of other videos
        cwd=work, env=env,
        capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    from poselift_mm.apis.output_schema import read_results, track_arrays
    meta, frames = read_results(str(work / 'out.json'))
    kp3 = track_arrays(frames)[0]['keypoints']
    gt = d['S'][..., :3] - d['S'][:, :1, :3]
    err_mm = np.linalg.norm(kp3 - gt, axis=-1).mean() * 1000
    assert err_mm < 150, err_mm  # the released models on real frames
    # it ran the copy, not the checkout
    check = subprocess.run([PY, '-c', 'import poselift_mm; '
                            'print(poselift_mm.__file__)'], cwd=work,
                           env=env, capture_output=True, text=True)
    assert check.stdout.strip().startswith(str(site))


def test_tools_test_from_another_directory(tmp_path):
    """tools/test.py with a config that names the start poses relative to
    the repository, run from an unrelated folder."""
    from poselift_mm.datasets.synthetic import synthesize_h36m
    data = tmp_path / 'data'
    synthesize_h36m(str(data), splits=dict(val=('S8', )), num_frames=20,
                    seed=0)
    tiny = tmp_path / 'zedo_tiny.py'
    tiny.write_text(f"""_base_ = ['{ZEDO_CFG}']
model = dict(
    head=dict(denoiser=dict(hidden_dim=32, embed_dim=16, num_groups=4)),
    test_cfg=dict(ipo=dict(iters=3), oil=dict(iters=2)))
val_dataloader = dict(batch_size=64, dataset=dict(
    data_root='{data}/', sample_stride=20))
test_dataloader = val_dataloader
""")
    cfg = Config.fromfile(str(tiny))
    assert cfg.model.init_poses.file == \
        'checkpoints/zedo/h36m-mocap_clusters50.npz'
    from mmpose.registry import MODELS
    import poselift_mm  # noqa: F401
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    torch.save({'state_dict': model.state_dict()}, tmp_path / 'tiny.pth')
    work = tmp_path / 'elsewhere'
    work.mkdir()
    proc = subprocess.run(
        [PY, str(REPO / 'tools/test.py'), str(tiny), str(tmp_path /
                                                          'tiny.pth'),
         '--work-dir', str(work / 'w')], cwd=work,
        env={**os.environ, 'OMP_NUM_THREADS': '1'},
        capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'h36m/MPJPE' in proc.stdout + proc.stderr
