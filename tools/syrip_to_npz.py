"""SyRIP's 3D infant poses (ostadabbas/Infant-Postural-Symmetry) -> the
split files of ``SyRIPDataset`` and ZeDO-infant's start pose.

    python tools/syrip_to_npz.py SNAPSHOT data/syrip

SNAPSHOT: a checkout of Infant-Postural-Symmetry, or a git directory of it
without a work tree (read at HEAD). Writes, atomically, into OUT_DIR:
``syrip_train.npz`` (500 images), ``syrip_test.npz`` (200) and
``syrip_start_pose.npy``; format and split:
``poselift_mm/datasets/infant/syrip_source.py``. SyRIP is non-commercial
research data: keep these files out of version control (``data/`` is
ignored).
"""
import argparse

from poselift_mm.datasets.infant import convert_syrip
from poselift_mm.utils.datafile import DataFileError


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('snapshot', help='Infant-Postural-Symmetry checkout '
                        'or git directory')
    parser.add_argument('out_dir', help='output folder, e.g. data/syrip')
    args = parser.parse_args(argv)
    try:
        paths = convert_syrip(args.snapshot, args.out_dir)
    except DataFileError as err:
        parser.exit(2, f'error: {err}\n')
    for name, path in paths.items():
        print(f'{name}: {path}')


if __name__ == '__main__':
    main()
