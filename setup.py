"""poselift_mm: diffusion-based 3D human pose lifting for MMPose.

Besides the package, the `.mim` extension (configs, tools, model index) is laid
out under ``poselift_mm/.mim`` so that ``mim train poselift_mm CONFIG`` and
``mim test poselift_mm CONFIG --checkpoint CKPT`` work. MMPose's own setup.py
only does that for ``setup.py develop``/``bdist_wheel``; pip >= 21.3 installs
editable packages through PEP 660 (``editable_wheel``), which it skips, so here
editable builds get symlinks and every other build gets copies.
"""
import os
import os.path as osp
import shutil
import sys

from setuptools import find_packages, setup

ROOT = osp.dirname(osp.abspath(__file__))
MIM_FILES = ('configs', 'tools', 'model-index.yml')


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
    editable = {'develop', 'editable_wheel'}
    building = {'sdist', 'bdist_wheel', 'build', 'build_py', 'install'}
    if editable & set(sys.argv):
        mode = 'symlink'
    elif building & set(sys.argv):
        mode = 'copy'
    else:
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
        if mode == 'symlink':
            os.symlink(osp.relpath(src, mim_root), dst)
        elif osp.isdir(src):
            shutil.copytree(src, dst)
        else:
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
        package_data={'poselift_mm': ['.mim/**/*', 'data/*']},
        install_requires=['numpy', 'scipy', 'matplotlib', 'tqdm'],
        extras_require={
            'mim': read_requirements('mminstall.txt'),
            'tests': read_requirements('tests.txt'),
        },
        zip_safe=False,
    )
