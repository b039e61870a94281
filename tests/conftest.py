"""Shared pytest fixtures.

Every test starts from seeded global random generators (below).

Tests that need the real data beside the checkout (``../shared/data``, or the
folder named by ``POSELIFT_DATA``) take the ``shared_data`` fixture: it skips
the test with a clear reason when that folder is absent (a user's fresh clone).
"""
import os
import random
from pathlib import Path

import numpy as np
import pytest
import torch

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _seeded_global_rngs():
    """Every test starts from the same global random state (Python, numpy,
    torch), so a test that draws without its own generator gives the same
    result on every run and machine instead of failing once in a while."""
    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)


def shared_data_root() -> Path:
    env = os.environ.get('POSELIFT_DATA')
    return Path(env) if env else REPO_ROOT.parent / 'shared' / 'data'


@pytest.fixture(scope='session')
def shared_data() -> Path:
    root = shared_data_root()
    if not (root / 'README.md').is_file():
        pytest.skip(f'real data folder {root} is absent (set POSELIFT_DATA '
                    'or place shared/data beside the checkout)')
    return root


@pytest.fixture(scope='session')
def h36m_samples(shared_data) -> Path:
    path = shared_data / 'mmpose_samples' / 'h36m'
    if not (path / 'cameras.pkl').is_file():
        pytest.skip(f'{path}/cameras.pkl is absent')
    return path


@pytest.fixture(scope='session')
def standing_h36m_px():
    """A standing Human3.6M-17 skeleton in pixels (17, 2): 420 px tall,
    x 400-600, y 210-630, for a 1000 x 1000 image."""
    import numpy as np
    return np.array([[500, 400], [530, 400], [530, 520], [530, 630],
                     [470, 400], [470, 520], [470, 630], [500, 330],
                     [500, 260], [500, 235], [500, 210], [460, 260],
                     [420, 330], [400, 400], [540, 260], [580, 330],
                     [600, 400]], float)
