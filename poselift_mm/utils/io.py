"""Atomic file writes: a reader never sees a half-written file, and an
interrupted run never replaces a good file with a broken one."""
import contextlib
import os
import pickle
import tempfile
from pathlib import Path

import numpy as np


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path beside ``path``; rename it over ``path`` only if
    the block finishes without an exception."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix=f'.{path.name}.', suffix=path.suffix, dir=path.parent)
    os.close(fd)
    # mkstemp makes the file 0600; give it the mode a plain open() would.
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def save_npz_atomic(path, **arrays) -> None:
    with atomic_path(path) as tmp:
        with open(tmp, 'wb') as f:
            np.savez_compressed(f, **arrays)


def save_pickle_atomic(path, obj) -> None:
    with atomic_path(path) as tmp:
        with open(tmp, 'wb') as f:
            pickle.dump(obj, f, protocol=pickle.HIGHEST_PROTOCOL)


def make_out_dir(path) -> str:
    """Create the output folder ``path`` (and its parents) or raise a
    ``ValueError`` that names it: a file in the way, no permission, a
    parent that cannot hold folders."""
    path = os.fspath(path)
    if os.path.exists(path) and not os.path.isdir(path):
        raise ValueError(f'--out-dir {path}: is a file, not a folder')
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as err:
        raise ValueError(f'--out-dir {path}: cannot be created '
                         f'({err.strerror or err})') from None
    if not os.access(path, os.W_OK):
        raise ValueError(f'--out-dir {path}: not writable')
    return path
