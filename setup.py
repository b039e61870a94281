"""poselift_mm: diffusion-based 3D human pose lifting for MMPose.

Besides the package, the `.mim` extension (configs, tools, model index, the
released weights, the demo clip) is laid out under ``poselift_mm/.mim`` so
that ``mim search/train/test poselift_mm`` work and the model zoo
(``poselift_mm.apis.model_zoo``: aliases such as ``zedo``) finds configs
and weights after any install. MMPose's own setup.py only does that for
``setup.py develop``/``bdist_wheel``; pip >= 21.3 installs editable packages
through PEP 660 (``editable_wheel``), which it skips. Here editable builds
get symlinks in the checkout's ``poselift_mm/.mim`` (see
``poselift_mm/utils/mim_link.py``); every other build copies the files into
the build folder (``build_py``), leaving the checkout untouched, so a
non-editable ``pip install .`` and a wheel carry them as package data. The
sdist carries them at the top level (MANIFEST.in).
"""
import os
import os.path as osp
import shutil
import sys

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

ROOT = osp.dirname(osp.abspath(__file__))
# under poselift_mm/.mim: what mim reads (configs, tools, model index) and
# what the metafiles and configs name (checkpoints/, demo/)
MIM_FILES = ('configs', 'tools', 'model-index.yml', 'checkpoints', 'demo')


def read_version():
    scope = {}
    with open(osp.join(ROOT, 'poselift_mm', 'version.py')) as f:
        exec(f.read(), scope)
    return scope['__version__']


def read_requirements(name):
    path = osp.join(ROOT, 'requirements', name)
    reqs = []
    with open(path) as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if line:
                reqs.append(line)
    return reqs


def add_mim_extension():
    """Editable builds: ``poselift_mm/.mim/<name>`` links to the checkout's
    folders (nothing is copied; the package is used in place)."""
    if not {'develop', 'editable_wheel'} & set(sys.argv):
        return
    mim_root = osp.join(ROOT, 'poselift_mm', '.mim')
    os.makedirs(mim_root, exist_ok=True)
    for name in MIM_FILES:
        src = osp.join(ROOT, name)
        dst = osp.join(mim_root, name)
        if not osp.exists(src):
            continue
        if osp.islink(dst) or osp.isfile(dst):
            os.remove(dst)
        elif osp.isdir(dst):
            shutil.rmtree(dst)
        os.symlink(osp.relpath(src, mim_root), dst)


class BuildWithMim(build_py):
    """``build_py`` that also copies :data:`MIM_FILES` into the build's
    ``poselift_mm/.mim`` (real files, links followed), so wheels and
    non-editable installs carry the configs, tools, model index and
    weights. Editable builds use the links of :func:`add_mim_extension`."""

    def run(self):
        super().run()
        if getattr(self, 'editable_mode', False):
            return
        mim_root = osp.join(self.build_lib, 'poselift_mm', '.mim')
        if osp.isdir(mim_root):
            shutil.rmtree(mim_root)
        os.makedirs(mim_root)
        skip = shutil.ignore_patterns('__pycache__', '*.pyc', '.*')
        for name in MIM_FILES:
            src = osp.join(ROOT, name)
            dst = osp.join(mim_root, name)
            if osp.isdir(src):
                shutil.copytree(src, dst, ignore=skip)
            elif osp.isfile(src):
                shutil.copyfile(src, dst)


if __name__ == '__main__':
    add_mim_extension()
    setup(
        name='poselift_mm',
        version=read_version(),
        description='Diffusion-based 3D human pose lifting (DiffPose, ZeDO) '
        'for MMPose',
        long_description=open(osp.join(ROOT, 'README.md')).read(),
        long_description_content_type='text/markdown',
        license='Apache License 2.0',
        python_requires='>=3.8',
        packages=find_packages(exclude=('tests', 'tests.*', 'configs',
                                        'tools')),
        include_package_data=True,
        package_data={'poselift_mm': ['data/*']},
        # the checkout's .mim links (editable installs) are not data: the
        # build copies the real files (BuildWithMim)
        exclude_package_data={'poselift_mm': ['.mim/*', '.mim/**/*']},
        cmdclass={'build_py': BuildWithMim},
        install_requires=['numpy', 'scipy', 'matplotlib', 'tqdm'],
        extras_require={
            'mim': read_requirements('mminstall.txt'),
            'tests': read_requirements('tests.txt'),
            # the offline 2D detector; pip resolves mediapipe's declared
            # dependencies too (jax, opencv-contrib-python, ...): the pinned
            # environment installs these three with --no-deps
            # (requirements/blazepose.txt, tools/setup_env.sh)
            'blazepose': read_requirements('blazepose.txt'),
        },
        zip_safe=False,
    )
