"""The released models, read from the metafiles (``configs/*/metafile.yml``,
OpenMMLab's model-index format), and the repository paths they name.

    from poselift_mm.apis.model_zoo import get_model, list_models
    list_models()        # ['zedo_prior-mlp512_h36m-mocap_cpu', ...]
    m = get_model('diffpose_gcndiff-gcnpose_h36m-mocap_cpu')
    m.config, m.weights  # absolute paths, whatever the current directory
    m.results            # the metafile's Results list
    resolve_model('zedo')  # a name or an alias (the metafiles' ``Alias``)

Paths are resolved against the repository root (:func:`repo_root`: the
folder holding ``configs/`` beside the installed package, or the package's
``.mim`` copy), never against the current directory. Configs name data and
model files relative to the repository (MMPose's convention, run from its
root); :func:`load_config` makes those paths absolute, so a config can be
used from any directory.

Aliases: each released model has a short name in its metafile entry
(``Alias``: ``zedo``, ``diffpose``, ``diffpose-video``, ...), which
:func:`resolve_model` and :func:`resolve_lifter` accept, and with
:func:`poselift_mm.apis.enable_model_aliases` MMPose's own inferencer too
(``MMPoseInferencer(pose3d='zedo')``). ``get_model`` takes full names
only.

The weights are package data: a checkout has them under ``checkpoints/``,
an installed copy under ``poselift_mm/.mim/checkpoints/`` (setup.py), so
they resolve after any install. ``mim download`` cannot fetch them (it
downloads URLs; the metafiles name files inside the package); the
equivalent, which copies the weights and writes the config as mim does::

    python -m poselift_mm.apis.model_zoo download zedo diffpose --dest DIR
    python -m poselift_mm.apis.model_zoo list
"""
import argparse
import glob
import os.path as osp
import shutil
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Optional

__all__ = ['ModelInfo', 'repo_root', 'metafiles', 'list_models',
           'get_model', 'resolve_model', 'list_aliases', 'resolve_lifter',
           'repo_path', 'absolute_repo_paths', 'load_config', 'download']

# realpath: an install may link the package into site-packages
PACKAGE_DIR = osp.dirname(osp.dirname(osp.realpath(__file__)))
# first path component of the repository-relative paths configs name
REPO_DIRS = ('data', 'checkpoints', 'work_dirs', 'demo')


@dataclass(frozen=True)
class ModelInfo:
    """One metafile model: absolute ``config`` and ``weights`` paths."""
    name: str
    collection: str
    config: str
    weights: str
    results: list = field(default_factory=list)
    metadata: dict = field(default_factory=dict)
    metafile: str = ''
    aliases: tuple = ()


def repo_root() -> str:
    """The repository root: the package's parent folder when it holds
    ``configs/`` (a checkout, editable install), else ``poselift_mm/.mim``
    (an installed copy; it holds configs but no checkpoints)."""
    for root in (osp.dirname(PACKAGE_DIR), osp.join(PACKAGE_DIR, '.mim')):
        if osp.isdir(osp.join(root, 'configs')):
            return root
    raise FileNotFoundError(f'no configs/ folder beside {PACKAGE_DIR} or in '
                            'its .mim folder')


def repo_path(path: str, root: Optional[str] = None) -> str:
    """``path`` made absolute against the repository root (absolute paths
    are kept)."""
    return osp.normpath(osp.join(root or repo_root(), path))


def metafiles(root: Optional[str] = None) -> list:
    """Absolute paths of ``configs/*/metafile.yml``, sorted."""
    root = root or repo_root()
    return sorted(glob.glob(osp.join(root, 'configs', '*', 'metafile.yml')))


def _model_info(entry: dict, metafile: str, root: str) -> ModelInfo:
    for key in ('Name', 'Config', 'Weights'):
        if key not in entry:
            raise ValueError(f'{metafile}: model {entry.get("Name")!r} has '
                             f'no {key!r}')
    weights = entry['Weights']
    if isinstance(weights, list):  # OpenMMLab allows a list: the first
        weights = weights[0]
    aliases = entry.get('Alias') or ()
    aliases = (aliases, ) if isinstance(aliases, str) else tuple(aliases)
    return ModelInfo(
        name=entry['Name'], collection=entry.get('In Collection', ''),
        config=repo_path(entry['Config'], root),
        weights=repo_path(weights, root),
        results=list(entry.get('Results') or []),
        metadata=dict(entry.get('Metadata') or {}), metafile=metafile,
        aliases=tuple(str(a) for a in aliases))


@lru_cache(maxsize=4)
def _zoo(root: str) -> dict:
    """{name: ModelInfo} of every metafile under ``root``, in file order."""
    import yaml
    zoo = {}
    for path in metafiles(root):
        with open(path) as f:
            doc = yaml.safe_load(f) or {}
        for entry in doc.get('Models') or []:
            info = _model_info(entry, path, root)
            if info.name in zoo:
                raise ValueError(f'{path}: model {info.name!r} is also in '
                                 f'{zoo[info.name].metafile}')
            zoo[info.name] = info
    return zoo


@lru_cache(maxsize=4)
def _lookup(root: str) -> dict:
    """{lower-case name or alias: ModelInfo}; an alias may not repeat or
    shadow another model's name (mmengine matches both, case-blind)."""
    zoo = _zoo(root)
    table = {name.lower(): info for name, info in zoo.items()}
    for info in zoo.values():
        for alias in info.aliases:
            key = alias.lower()
            if key in table and table[key] is not info:
                raise ValueError(
                    f'{info.metafile}: alias {alias!r} of {info.name!r} is '
                    f'also the name or alias of {table[key].name!r}')
            table[key] = info
    return table


def list_models(root: Optional[str] = None) -> list:
    """Names of the metafile models (metafiles sorted, models in order)."""
    return list(_zoo(root or repo_root()))


def get_model(name: str, root: Optional[str] = None) -> ModelInfo:
    """The metafile model ``name``; KeyError naming the known models."""
    zoo = _zoo(root or repo_root())
    if name not in zoo:
        raise KeyError(f'{name!r} is not a model of the metafiles; known: '
                       f'{", ".join(zoo)}')
    return zoo[name]


def list_aliases(root: Optional[str] = None) -> dict:
    """{alias: model name} of the metafiles, in model order."""
    return {alias: info.name
            for info in _zoo(root or repo_root()).values()
            for alias in info.aliases}


def resolve_model(name: str, root: Optional[str] = None) -> ModelInfo:
    """The metafile model named ``name`` or aliased ``name`` (case-blind,
    as mmengine's inferencer matches); KeyError naming the aliases."""
    root = root or repo_root()
    info = _lookup(root).get(str(name).lower())
    if info is None:
        raise KeyError(
            f'{name!r} is not a model name or alias of the metafiles; '
            f'aliases: {", ".join(list_aliases(root))} (full names: '
            'python -m poselift_mm.apis.model_zoo list)')
    return info


def resolve_lifter(model, weights: Optional[str] = None,
                   root: Optional[str] = None):
    """``(config, weights)`` for a lifter given as a config file, an
    mmengine ``Config`` or a model alias / name.

    A file or ``Config`` is returned as given (``weights`` unchanged). An
    alias or name gives the model's ``Config`` loaded by
    :func:`load_config` (its repository paths absolute, so it builds from
    any directory) and, unless ``weights`` is given, the model's packaged
    weights (absolute path). Anything else: ``ValueError`` naming the
    aliases."""
    if not isinstance(model, str) and not hasattr(model, '__fspath__'):
        return model, weights
    path = str(model)
    if osp.isfile(path):
        return path, weights
    try:
        info = resolve_model(path, root)
    except KeyError:
        raise ValueError(
            f'{path}: config file does not exist, and it is not a model '
            f'alias ({", ".join(list_aliases(root))}) or name of the '
            'metafiles') from None
    return load_config(info.config, root=root), weights or info.weights


def download(models, dest: str, root: Optional[str] = None) -> list:
    """What ``mim download`` does for URL weights, for the packaged ones:
    for each model (alias or name) copy its weights to ``dest`` and write
    its config, merged into one file, as ``dest/<name>.py``. Existing
    weights files are kept. Returns the paths written or kept."""
    from poselift_mm.utils.io import atomic_path
    out = []
    for model in models:
        info = resolve_model(model, root)
        target = osp.join(dest, osp.basename(info.weights))
        if not osp.isfile(target):
            with atomic_path(target) as tmp:
                shutil.copyfile(info.weights, tmp)
        cfg_path = osp.join(dest, f'{info.name}.py')
        with atomic_path(cfg_path) as tmp:
            load_config(info.config, root=root).dump(str(tmp))
        out += [target, cfg_path]
    return out


def main(argv=None) -> int:
    """``python -m poselift_mm.apis.model_zoo list | download M.. --dest
    D``."""
    p = argparse.ArgumentParser(
        prog='python -m poselift_mm.apis.model_zoo',
        description='The released poselift_mm models (metafiles): list '
        'them, or copy their packaged weights and configs (the equivalent '
        'of `mim download`)')
    sub = p.add_subparsers(dest='command', required=True)
    sub.add_parser('list', help='aliases, names, configs and weights')
    d = sub.add_parser('download', help='copy weights + config to --dest')
    d.add_argument('models', nargs='+', help='aliases or names')
    d.add_argument('--dest', default='.', help='destination folder')
    args = p.parse_args(argv)
    from poselift_mm.utils.launch import quiet_warnings
    quiet_warnings()
    if args.command == 'list':
        for name in list_models():
            info = get_model(name)
            print(f'{", ".join(info.aliases) or "-":24s} {name}\n'
                  f'{"":24s}   config  {info.config}\n'
                  f'{"":24s}   weights {info.weights}')
        return 0
    try:
        for path in download(args.models, args.dest):
            print(path)
    except KeyError as err:
        print(f'error: {err.args[0]}', file=sys.stderr)
        return 2
    return 0


def _is_repo_relative(value) -> bool:
    """A string like ``data/...`` or ``checkpoints/...``."""
    if not isinstance(value, str) or osp.isabs(value) or '://' in value:
        return False
    parts = value.split('/')
    return len(parts) > 1 and parts[0] in REPO_DIRS


def absolute_repo_paths(node, root: Optional[str] = None):
    """Make every repository-relative path (a string starting with one of
    :data:`REPO_DIRS`) in a config node absolute, in place (dicts,
    ``ConfigDict``, lists); returns ``node``."""
    root = root or repo_root()
    items = node.items() if hasattr(node, 'items') else enumerate(node) \
        if isinstance(node, list) else ()
    for key, value in list(items):
        if _is_repo_relative(value):
            node[key] = repo_path(value, root)
        elif hasattr(value, 'items') or isinstance(value, list):
            absolute_repo_paths(value, root)
    return node


def load_config(config: str, cfg_options: Optional[dict] = None,
                root: Optional[str] = None):
    """An mmengine ``Config`` from a file (absolute, or relative to the
    repository root) with ``cfg_options`` merged and its repository paths
    made absolute (:func:`absolute_repo_paths`)."""
    from mmengine.config import Config
    cfg = Config.fromfile(repo_path(config, root))
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    absolute_repo_paths(cfg, root)
    return cfg


if __name__ == '__main__':
    sys.exit(main())
