"""Where the files a config names are, whatever the current directory.

Configs name their data and model files relative to the repository
(MMPose's convention: ``checkpoints/zedo/h36m-mocap_clusters50.npz``,
meant to be run from the repository root). :func:`find_file` looks for such
a relative path, in order, in

1. the current directory (MMPose's convention; a user's own relative path);
2. the ``bases`` a caller gives: :func:`config_bases` (the config file's
   folder and its repository: the nearest folder above it holding
   ``configs/``) and :func:`checkpoint_bases` (the checkpoint's folder, and
   its repository: the nearest folder above it holding ``checkpoints/`` or
   ``configs/``); in a checkpoint's folder the file is also looked for by
   its name alone (files downloaded side by side);
3. the package's repository (:func:`package_roots`: the checkout holding the
   package, or the package's ``.mim`` copy of an installed one).

The model modules (``ScoreHead``'s start poses, ``GMMPrior``) use steps 1
and 3, so ``tools/test.py`` and ``tools/train.py`` work from any directory
of a checkout or an editable install; ``init_lifter`` (``tools/lift.py``,
``lift_keypoints``) adds the config's and the checkpoint's folders, so an
installed package works with the config and checkpoint given by path.
"""
import os
import os.path as osp
from typing import Iterable, List, Optional

__all__ = ['PACKAGE_DIR', 'package_roots', 'config_bases',
           'checkpoint_bases', 'candidates', 'find_file', 'is_relative']

# realpath: an install may link the package into site-packages
PACKAGE_DIR = osp.dirname(osp.dirname(osp.realpath(__file__)))


def package_roots() -> List[str]:
    """The package's repository: its parent folder when that holds
    ``configs/`` (a checkout, an editable install), and ``.mim`` (an
    installed copy: configs and tools, no checkpoints)."""
    roots = [osp.dirname(PACKAGE_DIR), osp.join(PACKAGE_DIR, '.mim')]
    return [r for r in roots if osp.isdir(osp.join(r, 'configs'))]


def _repository(folder: str, markers: Iterable[str]) -> Optional[str]:
    """The nearest folder at or above ``folder`` holding one of
    ``markers``."""
    folder = osp.abspath(folder)
    while True:
        if any(osp.isdir(osp.join(folder, m)) for m in markers):
            return folder
        parent = osp.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def config_bases(config_file: Optional[str]) -> List[str]:
    """Folders to resolve a config's relative paths against: the config
    file's folder and its repository (module doc)."""
    if not config_file:
        return []
    folder = osp.dirname(osp.abspath(str(config_file)))
    repo = _repository(folder, ('configs', ))
    return [folder] + ([repo] if repo else [])


def checkpoint_bases(checkpoint: Optional[str]) -> List[str]:
    """Folders to resolve a config's relative paths against: the
    checkpoint's folder and its repository (module doc)."""
    if not checkpoint or '://' in str(checkpoint):
        return []
    folder = osp.dirname(osp.abspath(str(checkpoint)))
    repo = _repository(folder, ('checkpoints', 'configs'))
    return [folder] + ([repo] if repo else [])


def is_relative(path) -> bool:
    """A relative local path (not absolute, not a URL)."""
    return isinstance(path, (str, os.PathLike)) and bool(str(path)) and \
        not osp.isabs(str(path)) and '://' not in str(path)


def candidates(path: str, bases: Iterable[str] = (),
               name_only: Iterable[str] = ()) -> List[str]:
    """The absolute places :func:`find_file` tries for ``path``, in order
    (``name_only``: folders where its file name alone is tried too)."""
    path = str(path)
    out = [osp.abspath(path)]
    for base in bases:
        out.append(osp.normpath(osp.join(base, path)))
        if base in name_only:
            out.append(osp.join(base, osp.basename(path)))
    out += [osp.normpath(osp.join(r, path)) for r in package_roots()]
    seen = set()
    return [p for p in out if not (p in seen or seen.add(p))]


def find_file(path, bases: Iterable[str] = (),
              name_only: Iterable[str] = ()) -> Optional[str]:
    """``path`` itself when absolute (None if it is not a file), else the
    first existing file of :func:`candidates` (absolute), else None."""
    if path is None:
        return None
    if not is_relative(path):
        return str(path) if osp.isfile(str(path)) else None
    for cand in candidates(path, bases, name_only):
        if osp.isfile(cand):
            return cand
    return None
