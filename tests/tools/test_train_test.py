"""tools/train.py, tools/test.py, dist_train.sh and mim, run as a user would:
in subprocesses, on the CPU, on a small procedural Human3.6M-format set."""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from poselift_mm.datasets.synthetic import synthesize_h36m

REPO = Path(__file__).resolve().parents[2]
CFG = REPO / 'configs/baselines/simplebaseline3d_tcn-1frm_synthetic-tiny.py'
PY = sys.executable
EPOCHS = 10  # of the shared `trained` run


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    root = tmp_path_factory.mktemp('tiny_h36m')
    synthesize_h36m(str(root), splits=dict(train=('S1', ), test=('S8', )),
                    num_frames=40, seed=1)
    return root


def overrides(data_root, epochs):
    return ['--cfg-options'] + [
        f'{loader}.dataset.data_root={data_root}'
        for loader in ('train_dataloader', 'val_dataloader',
                       'test_dataloader')
    ] + [f'train_cfg.max_epochs={epochs}', f'train_cfg.val_interval={epochs}']


def run(args, env=None, check=True):
    proc = subprocess.run(
        args, cwd=REPO, capture_output=True, text=True, timeout=900,
        env={**os.environ, **(env or {})})
    if check and proc.returncode != 0:
        raise AssertionError(f'{args} failed ({proc.returncode}):\n'
                             f'{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}')
    return proc


def mpjpe_of(text):
    found = re.findall(r'h36m/MPJPE: ([0-9.]+)', text)
    assert found, f'no MPJPE in output:\n{text[-2000:]}'
    return float(found[-1])


@pytest.fixture(scope='module')
def trained(data_root, tmp_path_factory):
    work = tmp_path_factory.mktemp('train')
    run([PY, 'tools/train.py', str(CFG), '--work-dir', str(work)] +
        overrides(data_root, EPOCHS) + ['train_dataloader.batch_size=8'])
    return work


def test_train_then_test(trained, data_root, tmp_path):
    ckpt = trained / f'epoch_{EPOCHS}.pth'
    assert ckpt.is_file()
    out = tmp_path / 'preds.pkl'
    # Any Human3.6M-format file can be evaluated by overriding ann_file;
    # here the training file: the run must have fitted it far better
    # than the mean pose does (generalisation is the benchmarks' business).
    ann = 'annotation_body3d/fps50/h36m_train.npz'
    proc = run([PY, 'tools/test.py', str(CFG), str(ckpt), '--work-dir',
                str(tmp_path), '--out', str(out)] + overrides(data_root, EPOCHS) +
               [f'test_dataloader.dataset.ann_file={ann}'])
    text = proc.stdout + proc.stderr
    mpjpe_mm = mpjpe_of(text)  # LiftingMPJPE logs millimetres
    s = np.load(data_root / ann)['S'][..., :3]
    rel = s - s[:, :1]
    mean_pose_mm = 1000 * np.linalg.norm(rel - rel.mean(0), axis=-1).mean()
    assert 0 < mpjpe_mm < 0.7 * mean_pose_mm, (mpjpe_mm, mean_pose_mm)
    assert 'P-MPJPE' in text and 'N-MPJPE' in text
    assert out.is_file()


def test_checkpoint_loads_with_torch_safe_unpickler(trained):
    import poselift_mm  # noqa: F401  (registers the safe globals)
    ckpt = torch.load(trained / f'epoch_{EPOCHS}.pth', map_location='cpu',
                      weights_only=True)
    assert ckpt['meta']['epoch'] == EPOCHS
    assert 'message_hub' in ckpt and 'state_dict' in ckpt


def test_resume_continues_from_last_epoch(trained, data_root, tmp_path):
    work = tmp_path / 'resume'
    shutil.copytree(trained, work)
    proc = run([PY, 'tools/train.py', str(CFG), '--work-dir', str(work),
                '--resume'] + overrides(data_root, EPOCHS + 1))
    text = proc.stdout + proc.stderr
    assert re.search(rf'resumed epoch: {EPOCHS}', text), text[-2000:]
    # only the new epoch was trained
    assert not re.search(r'Epoch\(train\)\s+\[1\]\[', text)
    assert re.search(rf'Epoch\(train\)\s+\[{EPOCHS + 1}\]\[', text)
    ckpt = torch.load(work / f'epoch_{EPOCHS + 1}.pth', map_location='cpu')
    assert ckpt['meta']['epoch'] == EPOCHS + 1


@pytest.mark.skipif(torch.cuda.is_available(), reason='checks the CPU path')
def test_amp_is_refused_on_cpu(data_root, tmp_path):
    proc = run([PY, 'tools/train.py', str(CFG), '--work-dir', str(tmp_path),
                '--amp'] + overrides(data_root, 1), check=False)
    assert proc.returncode != 0
    assert '--amp' in proc.stderr and 'GPU' in proc.stderr


def test_missing_files_give_clear_errors(tmp_path):
    proc = run([PY, 'tools/test.py', str(CFG), str(tmp_path / 'nope.pth')],
               check=False)
    assert proc.returncode != 0 and 'does not exist' in proc.stderr
    proc = run([PY, 'tools/train.py', str(tmp_path / 'nope.py')],
               check=False)
    assert proc.returncode != 0 and 'does not exist' in proc.stderr


def test_checkpoint_of_another_model_is_refused(trained, data_root,
                                                tmp_path):
    proc = run([PY, 'tools/test.py', str(CFG),
                str(trained / f'epoch_{EPOCHS}.pth'), '--work-dir',
                str(tmp_path)] + overrides(data_root, EPOCHS) +
               ['model.backbone.stem_channels=128',
                'model.head.in_channels=128'], check=False)
    assert proc.returncode != 0
    assert 'does not fit the model' in proc.stderr
    assert 'other shapes' in proc.stderr


def test_untrusted_pickle_needs_opt_in(tmp_path):
    bad = tmp_path / 'bad.pth'
    torch.save({'state_dict': {}, 'meta': {'x': Path('.')}}, bad)
    code = ('from mmengine.runner.checkpoint import _load_checkpoint as L;'
            'import poselift_mm, sys; L(sys.argv[1])')
    proc = run([PY, '-c', code, str(bad)], check=False)
    assert proc.returncode != 0 and '--trust-checkpoint' in proc.stderr
    code = ('from mmengine.runner.checkpoint import _load_checkpoint as L;'
            'import poselift_mm, sys;'
            'T = poselift_mm.utils.checkpoint_trust\n'
            'with T(True): L(sys.argv[1])')
    run([PY, '-c', code, str(bad)])


def test_dist_train_two_cpu_processes(data_root, tmp_path):
    work = tmp_path / 'dist'
    run(['bash', 'tools/dist_train.sh', str(CFG), '2', '--work-dir',
         str(work)] + overrides(data_root, 1),
        env=dict(PYTHON=PY, PORT='29517', OMP_NUM_THREADS='1'))
    assert (work / 'epoch_1.pth').is_file()


def test_mim_train_and_test(data_root, tmp_path):
    mim = shutil.which('mim', path=str(Path(PY).parent))
    if mim is None:
        pytest.skip('openmim is not installed in this environment')
    work = tmp_path / 'mim'
    run([mim, 'train', 'poselift_mm', str(CFG), '--work-dir', str(work)] +
        overrides(data_root, 1))
    ckpt = work / 'epoch_1.pth'
    assert ckpt.is_file()
    proc = run([mim, 'test', 'poselift_mm', str(CFG), '--checkpoint',
                str(ckpt), '--work-dir', str(tmp_path / 'mim_test')] +
               overrides(data_root, 1))
    assert mpjpe_of(proc.stdout + proc.stderr) > 0
