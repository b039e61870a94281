"""tools/test.py's --out (metrics) and --dump (predictions) are written
atomically: a failure while writing leaves an existing file as it was and
no temporary file behind."""
import argparse
import os

import pytest
import torch
from reliability_helpers import CFG

from poselift_mm.apis.runner_hooks import SaveMetricsHook


class Unserialisable:
    pass


@pytest.mark.parametrize('name', ['metrics.json', 'metrics.yaml'])
def test_metrics_file_survives_a_failed_write(tmp_path, name):
    out = tmp_path / name
    out.write_text('previous run\n')
    hook = SaveMetricsHook(str(out))
    with pytest.raises(Exception):  # json / yaml cannot write the object
        hook.after_test_epoch(None, metrics={'h36m/MPJPE': 50.,
                                             'bad': Unserialisable()})
    assert out.read_text() == 'previous run\n'
    assert os.listdir(tmp_path) == [name]


def test_dump_survives_a_run_that_fails_while_writing(data_root, tmp_path,
                                                      monkeypatch):
    """The test run writes part of the predictions, then fails: the
    previous dump is kept, the partial file removed, the error raised."""
    from mmengine.runner import Runner

    import poselift_mm.utils.checkpoint as checkpoint
    from poselift_mm.apis import train_test
    dump = tmp_path / 'preds.pkl'
    dump.write_bytes(b'previous predictions')
    ckpt = tmp_path / 'c.pth'
    torch.save(dict(state_dict={}), ckpt)
    written = []

    def failing_test(runner):
        partial = train_test._partial(str(dump))
        with open(partial, 'wb') as f:
            f.write(b'half of the new predic')
        written.append(partial)
        raise OSError('No space left on device')

    monkeypatch.setattr(Runner, 'test', failing_test)
    monkeypatch.setattr(checkpoint, 'check_checkpoint_fits',
                        lambda model, path: {})
    args = argparse.Namespace(
        config=str(CFG), checkpoint=str(ckpt), out=None, dump=str(dump),
        show=False, show_dir=None, badcase=False, interval=1, wait_time=1.,
        badcase_thr=100., trust_checkpoint=False,
        work_dir=str(tmp_path / 'work'), launcher='none', local_rank=0,
        cfg_options={f'{k}.dataset.data_root': str(data_root)
                     for k in ('train_dataloader', 'val_dataloader',
                               'test_dataloader')})
    with pytest.raises(OSError, match='No space left'):
        train_test.test(args)
    assert written and not os.path.exists(written[0])
    assert dump.read_bytes() == b'previous predictions'
    assert sorted(p.name for p in tmp_path.iterdir()) == \
        ['c.pth', 'preds.pkl', 'work']
