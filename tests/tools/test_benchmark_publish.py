"""tools/benchmark.py's sweep parsing and input errors, tools/
publish_checkpoint.py's fp16 release files, tools/prepare_mocap_data.sh's
missing-data error, and DiffPoseLifter's pose-model checkpoint loading."""
import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from poselift_mm.apis.publish import publish_checkpoint
from poselift_mm.benchmark import BenchmarkError, parse_sweeps

REPO = Path(__file__).resolve().parents[2]


def test_sweeps_are_the_product_of_values():
    got = parse_sweeps(['a.b=1,2', 'c=x,0.5'])
    assert got == [{'a.b': 1, 'c': 'x'}, {'a.b': 1, 'c': 0.5},
                   {'a.b': 2, 'c': 'x'}, {'a.b': 2, 'c': 0.5}]
    assert parse_sweeps([]) == [{}]  # one run, the config


def test_sweep_without_values_is_refused():
    with pytest.raises(BenchmarkError, match='not KEY=V1,V2'):
        parse_sweeps(['model.test_cfg.oil.iters'])


def test_benchmark_cli_errors(tmp_path):
    """Run from another directory: missing files, then a sweep without
    values, each an ``error: ...`` line."""
    def run(*args):
        return subprocess.run(
            [sys.executable, str(REPO / 'tools/benchmark.py'), *args],
            cwd=tmp_path, capture_output=True, text=True, timeout=300)
    proc = run(str(tmp_path / 'nope.py'), str(tmp_path / 'x.pth'))
    assert proc.returncode == 1
    assert f"error: '{tmp_path / 'nope.py'}' does not exist" in proc.stderr
    cfg, ckpt = tmp_path / 'a.py', tmp_path / 'a.pth'
    cfg.write_text('x = 1\n')
    ckpt.write_bytes(b'')
    proc = run(str(cfg), str(ckpt), '--sweep', 'model.test_cfg.oil.iters')
    assert proc.returncode == 1
    assert "error: --sweep 'model.test_cfg.oil.iters' is not KEY=V1,V2" in \
        proc.stderr


def test_publish_fp16_with_hash(tmp_path):
    sd = {'w': torch.randn(3, 4), 'n': torch.tensor([1, 2])}
    src = tmp_path / 'src.pth'
    torch.save({'state_dict': sd, 'meta': {'epoch': 3, 'foo': 1},
                'optimizer': {'x': 1}}, src)
    out, n = publish_checkpoint(str(src), str(tmp_path / 'rel.pth'),
                                fp16=True)
    out = Path(out)
    assert n == 14
    sha = hashlib.sha256(out.read_bytes()).hexdigest()[:8]
    assert out.name == f'rel-{sha}.pth'
    ck = torch.load(out, weights_only=True)
    assert set(ck) == {'state_dict', 'meta'}
    assert ck['state_dict']['w'].dtype == torch.float16
    assert ck['state_dict']['n'].dtype == torch.int64
    torch.testing.assert_close(ck['state_dict']['w'].float(), sd['w'],
                               atol=2e-3, rtol=1e-3)
    assert ck['meta']['epoch'] == 3 and 'foo' not in ck['meta']


def test_prepare_data_without_shared_data(tmp_path):
    res = subprocess.run(['bash', str(REPO / 'tools/prepare_mocap_data.sh'),
                          str(tmp_path / 'absent')], capture_output=True,
                         text=True, cwd=REPO)
    assert res.returncode == 2
    assert 'not found' in res.stderr


def test_pose_model_checkpoint_of_another_model(tmp_path):
    from mmengine.registry import init_default_scope
    from mmpose.registry import MODELS

    import poselift_mm  # noqa: F401
    init_default_scope('mmpose')
    ck = tmp_path / 'other.pth'
    torch.save({'state_dict': {'head.x': torch.zeros(1)}}, ck)
    model = MODELS.build(dict(
        type='DiffPoseLifter',
        backbone=dict(type='GCNPose', hid_dim=16, num_layers=1, num_heads=2),
        backbone_checkpoint=str(ck)))
    with pytest.raises(ValueError, match='other.pth.*no backbone'):
        model.init_weights()
    wrong = tmp_path / 'wrong.pth'
    torch.save({'state_dict': {'backbone.gconv_input.weight':
                               torch.zeros(3, 1, 2, 8)}}, wrong)
    model.backbone_checkpoint = str(wrong)
    with pytest.raises(ValueError, match='do not fit'):
        model.init_weights()
