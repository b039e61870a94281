"""Reading data files with errors that name the file, the key and the problem.

Owns the generic primitives every reader of npz / npy / pickle files shares
(``poselift_mm.datasets.readers``, ``poselift_mm.datasets.mocap``, the GMM
prior in ``poselift_mm.models.priors``, ``tools/``): :class:`DataFileError`,
the loaders :func:`open_npz`, :func:`load_npz`, :func:`load_npy`,
:func:`load_pickle`, the array check :func:`check_array` and the message
helpers :func:`format_key`, :func:`shape_str`. Numpy only: no torch, no
MMPose, nothing else of this package, so every layer can import it.

Pickles and object arrays are read by ``utils.safe_pickle``, which refuses
anything but containers and numpy data unless one call opts in
(``trust=True``): a data file never runs code by default.
"""
import os.path as osp
import pickle
import tokenize
import zipfile
import zlib
from typing import Dict, Optional, Sequence

import numpy as np

from .safe_pickle import UnsafePickleError, read_npz_member, safe_loads


# what reading an .npz archive or one of its members raises on a corrupt,
# truncated or foreign file: a member's CRC, deflate stream (zlib.error) and
# .npy header (parsed by tokenize / ast) are checked only when it is read;
# an unknown compression method is NotImplementedError, an encrypted
# member RuntimeError, a header claiming a huge shape MemoryError
NPZ_READ_ERRORS = (OSError, ValueError, EOFError, zipfile.BadZipFile,
                   zlib.error, tokenize.TokenError, SyntaxError,
                   NotImplementedError, RuntimeError, MemoryError,
                   pickle.UnpicklingError)


class DataFileError(ValueError):
    """A data file is missing, lacks a key or holds bad values."""

    def __init__(self, path, key: Optional[str], problem: str):
        self.path, self.key, self.problem = str(path), key, problem
        where = self.path if key is None else f'{self.path}: key {key}'
        super().__init__(f'{where}: {problem}')


def format_key(*parts) -> str:
    """A key for messages: 'part' -> "'part'"; ('positions_2d', 'S1', 0) ->
    "positions_2d['S1'][0]"."""
    if len(parts) == 1:
        return repr(parts[0])
    return str(parts[0]) + ''.join(f'[{p!r}]' for p in parts[1:])


def shape_str(shape) -> str:
    """A shape for messages: (3,) -> '(3,)', [2, '*'] -> '(2, *)'."""
    inner = ', '.join(str(s) for s in shape)
    return f'({inner},)' if len(shape) == 1 else f'({inner})'


def check_array(arr, path, key: str, shape: Sequence[Optional[int]],
                joint_axis: Optional[int] = None,
                finite: bool = True) -> np.ndarray:
    """arr -> float64 array of ``shape`` (None: any size) and finite values.

    A wrong size on ``joint_axis`` is reported as a wrong joint count.
    """
    try:
        a = np.asarray(arr, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise DataFileError(path, key, f'not a numeric array ({e})') from None
    spec = shape_str(['*' if s is None else s for s in shape])
    got = shape_str(a.shape)
    if a.ndim != len(shape):
        raise DataFileError(path, key,
                            f'expected shape {spec}, got shape {got}')
    if joint_axis is not None and shape[joint_axis] is not None and \
            a.shape[joint_axis] != shape[joint_axis]:
        raise DataFileError(
            path, key, f'wrong joint count: expected {shape[joint_axis]} '
            f'joints, got {a.shape[joint_axis]} (shape {got}, expected '
            f'{spec})')
    if any(s is not None and s != n for s, n in zip(shape, a.shape)):
        raise DataFileError(path, key,
                            f'expected shape {spec}, got shape {got}')
    if finite:
        bad = ~np.isfinite(a)
        if bad.any():
            first = tuple(int(i) for i in np.argwhere(bad)[0])
            raise DataFileError(
                path, key, f'{int(bad.sum())} non-finite values (NaN/inf), '
                f'the first at index {first}')
    return a


def require_file(path) -> str:
    """``str(path)``, or DataFileError if it is not an existing file."""
    path = str(path)
    if not osp.isfile(path):
        raise DataFileError(path, None, 'file does not exist')
    return path


def open_npz(path, allow_pickle: bool = False) -> np.lib.npyio.NpzFile:
    """The open (lazy) archive of an .npz file; use it as a context manager.

    DataFileError if the file is missing or not an .npz archive.
    """
    require_file(path)
    try:
        data = np.load(path, allow_pickle=allow_pickle)
    except NPZ_READ_ERRORS as e:
        raise DataFileError(path, None,
                            f'not a readable .npz archive ({e})') from None
    if not isinstance(data, np.lib.npyio.NpzFile):
        raise DataFileError(path, None, 'expected an .npz archive of named '
                            f'arrays, got a single {type(data).__name__}')
    return data


def load_npz(path, keys: Sequence[str] = (), optional: Sequence[str] = (),
             allow_pickle: bool = False,
             trust: bool = False) -> Dict[str, np.ndarray]:
    """.npz -> {key: array} for ``keys`` (all required) and ``optional``.

    ``allow_pickle``: object members (a pickled dict, as VideoPose3D's
    files hold) are read, by the safe unpickler unless ``trust``."""
    with open_npz(path) as data:
        missing = [k for k in keys if k not in data.files]
        if missing:
            raise DataFileError(
                path, format_key(missing[0]), f'missing (the file has keys '
                f'{sorted(data.files)}; required: {list(keys)})')
        wanted = [k for k in (*keys, *optional) if k in data.files]
        try:
            return {k: data[k] for k in wanted}
        except ValueError as e:  # object arrays (or a corrupt member)
            if not allow_pickle:
                raise DataFileError(path, None, f'cannot read arrays ({e})') \
                    from None
        except NPZ_READ_ERRORS as e:
            raise DataFileError(path, None, f'cannot read arrays ({e})') \
                from None
    try:
        return {k: read_npz_member(path, k, trust) for k in wanted}
    except UnsafePickleError as e:
        raise DataFileError(path, None, f'refused: {e}; pass trust=True '
                            'only for a file you trust') from None
    except NPZ_READ_ERRORS + (KeyError, ) as e:
        raise DataFileError(path, None, f'cannot read arrays ({e})') \
            from None


def load_npy(path) -> np.ndarray:
    """A single-array .npy file -> the array (no pickles)."""
    require_file(path)
    try:
        arr = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as e:
        raise DataFileError(path, None,
                            f'not a readable .npy array ({e})') from None
    if isinstance(arr, np.lib.npyio.NpzFile):
        arr.close()
        raise DataFileError(path, None, 'expected a single .npy array, got '
                            'an .npz archive')
    return arr


def load_pickle(path, trust: bool = False):
    """Unpickle a data file (containers and numpy data only, unless this
    call passes ``trust=True``), mapping read errors to DataFileError."""
    require_file(path)
    try:
        with open(path, 'rb') as f:
            return safe_loads(f.read(), trust)
    except UnsafePickleError as e:
        raise DataFileError(
            path, None, f'refused: {e}; a data file holds only containers '
            'and numpy arrays (pass trust=True only for a file you '
            'trust)') from None
    except (OSError, EOFError, AttributeError, ImportError, ValueError,
            IndexError, TypeError, pickle.UnpicklingError) as e:
        raise DataFileError(path, None,
                            f'not a readable pickle ({e})') from None


def object_item(value, path, key: str, kind=dict):
    """A 0-d object array (how np.savez stores a dict) -> the object, which
    must be a ``kind``."""
    obj = value.item() if isinstance(value, np.ndarray) and \
        value.dtype == object and value.ndim == 0 else value
    if not isinstance(obj, kind):
        raise DataFileError(path, format_key(key), f'expected a pickled '
                            f'{kind.__name__}, got {type(obj).__name__}')
    return obj
