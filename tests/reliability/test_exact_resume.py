"""A training stopped after a checkpoint saved inside an epoch and resumed
with ``--resume`` ends with the weights of the uninterrupted run: same
batches (sampler seed, epoch and position), dropout masks (torch RNG) and
detector noise (DetectorNoise2D's generator). The work dir of the resumed
run also has an empty ``last_checkpoint`` (a write cut short), which
``--resume`` survives with a warning."""
import re
import shutil

import torch
from mmengine.dataset import DefaultSampler
from reliability_helpers import CFG, PY, data_options, run

import poselift_mm  # noqa: F401  (safe globals for the weights-only loads)
from poselift_mm.engine.exact_resume import SkipFirst

NOISY_TINY = f'''_base_ = [{str(CFG)!r}]
codec = dict(type='VideoPoseLifting', num_keypoints=17, zero_center=True,
             root_index=0, remove_root=False)
train_pipeline = [
    dict(type='ValidateKeypoints', num_keypoints=17),
    dict(type='DetectorNoise2D', preset='mild'),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs', meta_keys=('id', 'category_id',
                                           'target_img_path', 'flip_indices',
                                           'target_root')),
]
train_dataloader = dict(batch_size=128, dataset=dict(pipeline=train_pipeline))
model = dict(backbone=dict(stem_channels=32), head=dict(in_channels=32))
default_hooks = dict(
    logger=dict(interval=1),
    checkpoint=dict(by_epoch=False, interval=7, max_keep_ckpts=-1,
                    save_best=None))
train_cfg = dict(max_epochs=2, val_interval=100)
'''
# 640 training samples / 128 = 5 batches an epoch; 10 iterations; the
# checkpoint at iteration 7 is 2 batches into the second epoch


def train(config, work, data_root, *extra):
    proc = run([PY, 'tools/train.py', str(config), '--work-dir', str(work),
                '--no-validate', *extra, '--cfg-options'] +
               data_options(data_root))
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout + proc.stderr


def losses(log: str) -> dict:
    """{(epoch, batch): logged loss} of an mmengine training log."""
    return {(int(e), int(b)): float(v) for e, b, v in re.findall(
        r'Epoch\(train\)\s+\[(\d+)\]\[\s*(\d+)/\d+\].*?\bloss: ([0-9.]+)',
        log)}


def last_weights(work):
    path = (work / 'last_checkpoint').read_text().strip()
    ckpt = torch.load(path, map_location='cpu', weights_only=True)
    return ckpt['meta']['iter'], ckpt['state_dict']


def test_resume_inside_an_epoch_matches_the_uninterrupted_run(data_root,
                                                              tmp_path):
    config = tmp_path / 'noisy_tiny.py'
    config.write_text(NOISY_TINY)
    full = tmp_path / 'full'
    log_full = train(config, full, data_root)
    resumed = tmp_path / 'resumed'
    resumed.mkdir()
    shutil.copy(full / 'iter_7.pth', resumed / 'iter_7.pth')
    (resumed / 'last_checkpoint').write_text('')  # cut short
    log_resumed = train(config, resumed, data_root, '--resume')
    assert 'last_checkpoint is empty' in log_resumed
    assert 'skipping its 2 trained batches' in log_resumed
    after = {k: v for k, v in losses(log_resumed).items()}
    assert min(after) == (2, 3) and len(after) == 3  # the rest, once
    expected = losses(log_full)
    assert all(abs(after[k] - expected[k]) < 1e-6 for k in after)
    iters_full, weights_full = last_weights(full)
    iters_resumed, weights_resumed = last_weights(resumed)
    assert iters_full == iters_resumed == 10
    assert weights_full.keys() == weights_resumed.keys()
    for name, value in weights_full.items():
        assert torch.allclose(value, weights_resumed[name], atol=1e-6,
                              rtol=0), name


def test_skip_first_keeps_the_epochs_order_and_length():
    sampler = DefaultSampler(list(range(10)), shuffle=True, seed=3)
    sampler.set_epoch(2)
    order = list(sampler)
    skipped = SkipFirst(sampler, 4)
    assert list(skipped) == order[4:] and len(skipped) == 10
