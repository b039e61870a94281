"""Importing poselift_mm registers into MMPose's registries; configs parse."""
from pathlib import Path

import pytest
from mmengine.config import Config

import poselift_mm

REPO = Path(__file__).resolve().parents[1]
CONFIGS = sorted(p for p in (REPO / 'configs').rglob('*.py')
                 if '_base_' not in p.parts)


def test_version():
    assert poselift_mm.__version__.count('.') == 2


def test_transforms_registered_in_mmpose_scope():
    from mmpose.registry import TRANSFORMS
    from poselift_mm.datasets import ValidateKeypoints
    assert TRANSFORMS.get('ValidateKeypoints') is ValidateKeypoints
    t = TRANSFORMS.build(dict(type='ValidateKeypoints', num_keypoints=17))
    assert isinstance(t, ValidateKeypoints)


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: p.name)
def test_config_follows_conventions(path):
    cfg = Config.fromfile(str(path))
    assert cfg.default_scope == 'mmpose'
    assert cfg.custom_imports['imports'] == ['poselift_mm']
    assert cfg.custom_imports['allow_failed_imports'] is False
    # inherited from mmpose::_base_/default_runtime.py
    assert 'checkpoint' in cfg.default_hooks


def test_lifters_declare_their_input_space():
    """Callers ask a lifter what 2D it needs instead of testing its class:
    the inferencer keeps MMPose's bbox normalisation only for 'screen'."""
    from poselift_mm.apis.inference import input_space
    from poselift_mm.models import BaseLifter
    assert input_space('ZeDOLifter') == 'pixel'
    assert input_space('DiffPoseLifter') == 'screen'
    assert input_space('PoseLifter') == 'screen'  # MMPose's own

    class RayLifter(BaseLifter):
        input_space = 'pixel'
    assert input_space(RayLifter) == 'pixel'
