"""Unpickling data files without running their code.

A pickle can name any importable callable, and unpickling calls it: a
``cameras.pkl`` or an ``.npz`` with object members can run code. Data
files need only containers (dict, list, tuple, str, numbers: pickle
opcodes, no import) and numpy arrays, dtypes and scalars, so
:class:`SafeUnpickler` resolves only those globals (the same idea as
``torch.load(weights_only=True)``) and refuses any other with
``pickle.UnpicklingError`` naming it. A caller that trusts a file opts in
for that one call (``trust=True``); nothing is process-wide.
"""
import io
import pickle
import zipfile

import numpy as np

__all__ = ['SafeUnpickler', 'UnsafePickleError', 'SAFE_GLOBALS',
           'safe_loads', 'read_npz_member']

# (module, name) pairs numpy 1.x / 2.x pickles arrays, dtypes and scalars
# through, plus OrderedDict
SAFE_GLOBALS = frozenset(
    [(m, n) for m in ('numpy.core.multiarray', 'numpy._core.multiarray')
     for n in ('_reconstruct', 'scalar')] +
    [(m, '_frombuffer') for m in ('numpy.core.numeric', 'numpy._core.numeric')
     ] + [('numpy', 'ndarray'), ('numpy', 'dtype'),
     ('collections', 'OrderedDict')])


class UnsafePickleError(pickle.UnpicklingError):
    """A pickle names a global a data file does not need (not a corrupt
    file: a possibly hostile one)."""


class SafeUnpickler(pickle.Unpickler):
    """Resolves only :data:`SAFE_GLOBALS` and numpy's dtype classes."""

    def find_class(self, module, name):
        if (module, name) in SAFE_GLOBALS or (
                module == 'numpy.dtypes' and name.endswith('DType')):
            return super().find_class(module, name)
        raise UnsafePickleError(
            f"global '{module}.{name}' is not allowed in a data file "
            '(unpickling it could run code)')


def safe_loads(data: bytes, trust: bool = False):
    """Unpickle ``data``; the full unpickler only when ``trust``.

    Any failure raises ``pickle.UnpicklingError`` naming what the
    unpickler tripped on (corrupt bytes can make it raise EOFError,
    OverflowError, MemoryError, struct.error, ... depending on the first
    opcode; a trusted pickle can name a module that is not installed), so
    a caller catches one type; :class:`UnsafePickleError` passes through
    unchanged.
    """
    try:
        if trust:
            return pickle.loads(data)
        return SafeUnpickler(io.BytesIO(data)).load()
    except pickle.UnpicklingError:
        raise
    except Exception as e:  # noqa: BLE001  (corrupt or unloadable)
        raise pickle.UnpicklingError(
            f'cannot unpickle ({type(e).__name__}: {e})') from None


def read_npz_member(path, key: str, trust: bool = False) -> np.ndarray:
    """One member ``key`` of an .npz archive, object arrays included,
    unpickled by :class:`SafeUnpickler` (numpy's ``allow_pickle=True``
    would run any pickle)."""
    fmt = np.lib.format
    with zipfile.ZipFile(path) as zf, zf.open(key + '.npy') as f:
        version = fmt.read_magic(f)
        header = fmt.read_array_header_1_0 if version == (1, 0) else \
            fmt.read_array_header_2_0
        dtype = header(f)[2]
        if not dtype.hasobject:
            f.seek(0)
            return np.lib.format.read_array(f, allow_pickle=False)
        return safe_loads(f.read(), trust)
