"""The tiny procedural Human3.6M-format set of the reliability tests."""
import pytest


@pytest.fixture(scope='session')
def data_root(tmp_path_factory):
    from poselift_mm.datasets.synthetic import synthesize_h36m
    root = tmp_path_factory.mktemp('tiny_h36m')
    synthesize_h36m(str(root), splits=dict(train=('S1', ), test=('S8', )),
                    num_frames=40, seed=1)
    return root
