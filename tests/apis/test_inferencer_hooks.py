"""poselift_mm behind MMPose's own MMPoseInferencer: the released models'
aliases (``pose3d='zedo'``) and the 2D each lifter needs
(``disable_norm_pose_2d``), with a random-weight RTMPose-t and the whole
image as the person box (offline; the 2D is meaningless, the plumbing is
what is tested)."""
import json
import os.path as osp
from pathlib import Path

import cv2
import mmpose
import numpy as np
import pytest
import torch

from poselift_mm.apis import (build_inferencer, enable_mmpose_inferencer,
                              model_zoo)
from poselift_mm.apis.inferencer_hooks import SEQ2SEQ_HINT

REPO = Path(__file__).resolve().parents[2]
POSE2D = osp.join(osp.dirname(mmpose.__file__), '.mim', 'configs',
                  'body_2d_keypoint', 'rtmpose', 'coco',
                  'rtmpose-t_8xb256-420e_coco-256x192.py')


@pytest.fixture(autouse=True, scope='module')
def one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture(autouse=True)
def elsewhere(tmp_path, monkeypatch):
    # aliases must not depend on the current directory
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope='module')
def image():
    """A 320x240 BGR image with a bright upright figure (any 2D will do)."""
    img = np.full((240, 320, 3), 40, np.uint8)
    cv2.rectangle(img, (140, 40), (180, 200), (200, 200, 200), -1)
    cv2.circle(img, (160, 30), 14, (220, 220, 220), -1)
    return img


def inferencer(pose3d, **kwargs):
    from mmpose.apis import MMPoseInferencer
    assert enable_mmpose_inferencer()  # the documented call
    return MMPoseInferencer(pose2d=POSE2D, pose2d_weights=None,
                            pose3d=pose3d, det_model='whole_image',
                            device='cpu', **kwargs)


def lift(inf, image, **kwargs):
    result = next(inf(image, return_vis=False, **kwargs))
    (inst, ) = result['predictions'][0]
    kp = np.asarray(inst['keypoints'])
    assert kp.shape == (17, 3) and np.isfinite(kp).all()
    return kp


def test_every_released_model_has_an_alias():
    aliases = model_zoo.list_aliases()
    assert {'zedo', 'diffpose', 'diffpose-video'} <= set(aliases)
    assert set(aliases.values()) == set(model_zoo.list_models())
    for alias, name in aliases.items():
        m = model_zoo.resolve_model(alias)
        assert m.name == name and alias in m.aliases
        assert osp.isfile(m.config) and osp.isfile(m.weights)
        assert model_zoo.resolve_model(alias.upper()) is m  # as mmengine


def test_the_hooks_are_idempotent():
    from mmpose.apis.inferencers.pose3d_inferencer import Pose3DInferencer
    assert enable_mmpose_inferencer()
    methods = (Pose3DInferencer._load_model_from_metafile,
               Pose3DInferencer.preprocess_single)
    assert enable_mmpose_inferencer()
    assert (Pose3DInferencer._load_model_from_metafile,
            Pose3DInferencer.preprocess_single) == methods


def test_inferencer_metafile_lookup_of_every_alias():
    """What Pose3DInferencer gets for each alias: the config with absolute
    repository paths and the packaged weights (seq-to-seq windows are
    refused, naming the alias to use instead)."""
    from mmpose.apis.inferencers.pose3d_inferencer import Pose3DInferencer
    assert enable_mmpose_inferencer()
    for alias, name in model_zoo.list_aliases().items():
        m = model_zoo.get_model(name)
        windows = model_zoo.load_config(m.config).test_dataloader.dataset.get(
            'multiple_target', 0)
        if windows:
            with pytest.raises(ValueError, match="'diffpose-video'"):
                Pose3DInferencer._load_model_from_metafile(None, alias)
            continue
        cfg, weights = Pose3DInferencer._load_model_from_metafile(None,
                                                                  alias)
        assert weights == m.weights and osp.isfile(weights)
        assert cfg.filename == m.config
        init = cfg.model.get('init_poses')
        if init:  # ZeDO's start poses: absolute, so any directory works
            assert osp.isabs(init.file) and osp.isfile(init.file)


@pytest.mark.parametrize('alias', ['zedo', 'diffpose', 'diffpose-video'])
def test_alias_runs_through_mmpose_inferencer(alias, image):
    inf = inferencer(alias)
    lifter = inf.inferencer.model
    assert type(lifter).__name__ == ('ZeDOLifter' if alias == 'zedo' else
                                     'DiffPoseLifter')
    kp = lift(inf, image)
    assert np.abs(kp).max() < 3.  # metres, rebased: a body, not pixels


def test_pixel_lifter_gets_pixels_or_a_clear_error(image):
    inf = inferencer('zedo')
    auto = lift(inf, image)  # disable_norm_pose_2d left out
    np.testing.assert_allclose(auto, lift(inf, image,
                                          disable_norm_pose_2d=True),
                               atol=1e-6)
    with pytest.raises(ValueError, match='disable_norm_pose_2d'):
        lift(inf, image, disable_norm_pose_2d=False)


def test_screen_lifter_keeps_mmpose_default(image):
    inf = inferencer('diffpose')
    np.testing.assert_allclose(lift(inf, image),
                               lift(inf, image, disable_norm_pose_2d=False),
                               atol=1e-6)


def test_seq2seq_alias_is_refused_with_the_alternative():
    with pytest.raises(ValueError) as err:
        inferencer('diffpose-video-seq2seq')
    assert SEQ2SEQ_HINT in str(err.value)


def test_unknown_alias_still_reaches_mmpose():
    with pytest.raises(ValueError, match='Cannot find model'):
        inferencer('no-such-model')


def test_build_inferencer_takes_an_alias():
    inf = build_inferencer(POSE2D, None, 'zedo', None,
                           det_model='whole_image', device='cpu')
    m = model_zoo.resolve_model('zedo')
    assert inf.poselift_lifter == dict(config=m.config, weights=m.weights)
    assert inf.poselift_kwargs == dict(disable_norm_pose_2d=True)
    with pytest.raises(ValueError, match='zedo.*diffpose'):
        build_inferencer(POSE2D, None, 'zedoo', None,
                         det_model='whole_image')


def test_demo_tool_takes_an_alias(image, tmp_path):
    import importlib.util
    spec = importlib.util.spec_from_file_location('demo_tool',
                                                  REPO / 'tools/demo.py')
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    path = tmp_path / 'person.png'
    cv2.imwrite(str(path), image)
    rc = demo.main([str(path), '--pose2d', POSE2D, '--pose3d', 'diffpose',
                    '--out-dir', str(tmp_path / 'out'), '--no-render',
                    '--threads', '1'])
    assert rc == 0
    meta = json.loads((tmp_path / 'out' / 'results.json').read_text())['meta']
    m = model_zoo.resolve_model('diffpose')
    assert meta['pose3d'] == 'diffpose'
    assert meta['pose3d_weights'] == m.weights
    assert meta['model']['config'] == m.config
    # a config file still needs its weights
    rc = demo.main([str(path), '--pose2d', POSE2D, '--pose3d', m.config,
                    '--out-dir', str(tmp_path / 'out2'), '--no-render'])
    assert rc == 2


PLAIN = '''
import sys
import cv2, numpy as np
from mmpose.apis import MMPoseInferencer
from poselift_mm.apis import model_zoo
m = model_zoo.resolve_model('zedo')
inf = MMPoseInferencer(pose2d=sys.argv[1], pose2d_weights=None,
                       pose3d=m.config, pose3d_weights=m.weights,
                       det_model='whole_image', device='cpu')
img = np.full((240, 320, 3), 40, np.uint8)
cv2.rectangle(img, (140, 40), (180, 200), (200, 200, 200), -1)
try:
    next(inf(img, return_vis=False))
    print('LIFTED')
except ValueError as err:
    print('REFUSED', err)
r = next(inf(img, return_vis=False, disable_norm_pose_2d=True))
print('PIXELS', len(r['predictions'][0]))
'''


def test_plain_inferencer_refuses_to_normalise_a_pixel_lifter(tmp_path):
    """Without enable_mmpose_inferencer (a fresh process, no hooks), the
    H36M box normalisation of ZeDO's 2D is refused with a message naming
    both remedies; with disable_norm_pose_2d=True it lifts."""
    import subprocess
    import sys
    script = tmp_path / 'plain.py'
    script.write_text(PLAIN)
    out = subprocess.run([sys.executable, str(script), POSE2D],
                         capture_output=True, text=True, timeout=600).stdout
    assert 'LIFTED' not in out
    assert 'REFUSED ZeDOLifter needs the 2D keypoints' in out
    assert 'disable_norm_pose_2d=True' in out
    assert 'enable_mmpose_inferencer()' in out
    assert 'PIXELS 1' in out
