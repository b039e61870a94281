"""Atomic writes: normal permissions, nothing half-written."""
import numpy as np
import pytest


def test_atomic_writes_keep_normal_permissions_and_old_file_on_error(
        tmp_path):
    import os
    import stat

    from poselift_mm.utils.io import atomic_path, save_npz_atomic
    path = tmp_path / 'a.npz'
    save_npz_atomic(path, x=np.arange(3))
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask
    with pytest.raises(RuntimeError):
        with atomic_path(path) as tmp:
            tmp.write_bytes(b'half')
            raise RuntimeError('interrupted')
    np.testing.assert_array_equal(np.load(path)['x'], [0, 1, 2])
    assert [p.name for p in tmp_path.iterdir()] == ['a.npz']
