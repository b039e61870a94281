"""The released models, read from the metafiles (``configs/*/metafile.yml``,
OpenMMLab's model-index format), and the repository paths they name.

    from poselift_mm.apis.model_zoo import get_model, list_models
    list_models()        # ['zedo_prior-mlp512_h36m-mocap_cpu', ...]
    m = get_model('diffpose_gcndiff-gcnpose_h36m-mocap_cpu')
    m.config, m.weights  # absolute paths, whatever the current directory
    m.results            # the metafile's Results list

Paths are resolved against the repository root (:func:`repo_root`: the
folder holding ``configs/`` beside the installed package, or the package's
``.mim`` copy), never against the current directory. Configs name data and
model files relative to the repository (MMPose's convention, run from its
root); :func:`load_config` makes those paths absolute, so a config can be
used from any directory. A later alias layer (short names such as
``zedo``) can map onto :func:`get_model` names.
"""
import glob
import os.path as osp
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Optional

__all__ = ['ModelInfo', 'repo_root', 'metafiles', 'list_models',
           'get_model', 'repo_path', 'absolute_repo_paths', 'load_config']

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
    return ModelInfo(
        name=entry['Name'], collection=entry.get('In Collection', ''),
        config=repo_path(entry['Config'], root),
        weights=repo_path(entry['Weights'], root),
        results=list(entry.get('Results') or []),
        metadata=dict(entry.get('Metadata') or {}), metafile=metafile)


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
