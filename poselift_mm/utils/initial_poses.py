"""Reading the start poses of ZeDO's optimisation (one per hypothesis).

Two layouts, told apart by the file's content (not its name):

* ``tools/make_clusters.py`` (``.npz``): ``clusters`` (S, K, 3) metres and
  ``counts`` (S,); the most populated clusters come first.
* ZeDO's own (ipl-uw/ZeDO-Release ``run/opt_main.py``:
  ``np.load(f'clusters/h36m_cluster{S}.npy')``): one (S, K, 3) array in
  metres per number of hypotheses S (an S-means clustering each), used in
  file order. The README names them ``.pkl``: a pickle holding that array
  is read too (containers and numpy data only).

``{num}`` in a path is replaced by the number of hypotheses, so one config
names the per-S files (``clusters/h36m_cluster{num}.npy``) for every S.
Numpy only (no torch, nothing of the package's upper layers), so the
models can use it.
"""
import numpy as np

from .datafile import (DataFileError, check_array, load_npy, load_pickle,
                       open_npz, require_file)

__all__ = ['initial_poses_path', 'read_initial_poses']

_ZIP, _NPY = b'PK\x03\x04', b'\x93NUMPY'


def initial_poses_path(path: str, num: int) -> str:
    """``path`` with ``{num}`` replaced by ``num`` (other text unchanged)."""
    return str(path).replace('{num}', str(int(num)))


def _read_array(path: str) -> np.ndarray:
    """(S, K, 3) as stored, from an .npz of tools/make_clusters.py (most
    populated first), an .npy or a pickled array."""
    with open(require_file(path), 'rb') as f:
        magic = f.read(6)
    if magic.startswith(_ZIP):
        with open_npz(path) as data:
            if 'clusters' not in data.files:
                raise DataFileError(path, "'clusters'", 'missing (the file '
                                    f'has keys {sorted(data.files)}); write '
                                    'it with tools/make_clusters.py')
            c = np.asarray(data['clusters'])
            counts = data['counts'] if 'counts' in data.files else None
        if counts is not None and len(counts) == len(c):
            c = c[np.argsort(-np.asarray(counts), kind='stable')]
        return c
    if magic.startswith(_NPY):
        return load_npy(path)
    obj = load_pickle(path)
    if isinstance(obj, dict) and 'clusters' in obj:
        obj = obj['clusters']
    return np.asarray(obj)


def read_initial_poses(path: str, num: int, num_joints: int = 17,
                       root_index: int = 0) -> np.ndarray:
    """The first ``num`` start poses of ``path`` (``{num}`` filled in),
    root-relative, float32 (num, K, 3) metres. Errors name the file: a
    wrong shape, NaN/inf, or fewer than ``num`` poses."""
    path = initial_poses_path(path, num)
    try:
        c = _read_array(path)
    except DataFileError:
        raise
    except (OSError, ValueError) as err:
        raise DataFileError(path, None,
                            f'cannot read initial poses ({err})') from None
    c = check_array(c, path, 'clusters', (None, num_joints, 3), 1)
    if not 1 <= num <= len(c):
        raise DataFileError(path, 'clusters', f'{num} hypotheses asked for '
                            f'but the file has {len(c)} poses')
    c = c[:num] - c[:num, root_index:root_index + 1]
    return np.ascontiguousarray(c, dtype=np.float32)
