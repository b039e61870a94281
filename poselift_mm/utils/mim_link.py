"""Make ``mim train/test poselift_mm`` work with an editable install.

mim looks for ``<site-packages>/poselift_mm/.mim/{configs,tools}``. A PEP 660
editable install (pip >= 21.3) puts only an import hook in site-packages, so
mim finds nothing. This links ``<site-packages>/poselift_mm`` to the checkout's
package (what ``setup.py develop`` used to do); ``setup.py`` has already made
``poselift_mm/.mim`` link to ``configs/`` and ``tools/``. Run once after
``pip install -e .`` / ``mim install -e .``:

    python -m poselift_mm.utils.mim_link

``tools/setup_env.sh`` does it for you. ``pip uninstall poselift_mm`` leaves
the link behind; delete it by hand.
"""
import importlib.metadata
import os
import sys
from pathlib import Path

import poselift_mm


def link_for_mim() -> Path:
    """Create the link if needed; return ``<site-packages>/poselift_mm``."""
    package_dir = Path(poselift_mm.__file__).resolve().parent
    mim_dir = package_dir / '.mim'
    if not (mim_dir / 'tools').exists():
        raise FileNotFoundError(
            f'{mim_dir}/tools is missing: reinstall with `pip install -e .` '
            'from the checkout (setup.py creates .mim)')
    # Where the installed metadata is, as mim (pkg_resources) sees it from
    # its console script: the current directory is not on that path.
    cwd = Path.cwd().resolve()
    paths = [p for p in sys.path if p and Path(p).resolve() != cwd]
    dists = list(importlib.metadata.distributions(name='poselift_mm',
                                                  path=paths))
    if not dists:
        raise FileNotFoundError(
            'poselift_mm is not installed: run `pip install -e .`')
    site = Path(dists[0].locate_file('')).resolve()
    target = site / 'poselift_mm'
    if target.exists() and target.resolve() == package_dir:
        return target  # `setup.py develop`, or linked already
    if target.is_symlink():
        target.unlink()  # stale link to a moved checkout
    elif target.exists():
        raise FileExistsError(
            f'{target} exists and is not this checkout\'s package '
            f'({package_dir}); uninstall the other copy first')
    tmp = site / '.poselift_mm.link.tmp'
    if tmp.is_symlink():
        tmp.unlink()
    os.symlink(package_dir, tmp)
    os.replace(tmp, target)
    return target


if __name__ == '__main__':
    print(f'mim finds poselift_mm at {link_for_mim()}')
