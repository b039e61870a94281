"""The paper configs run the originals' protocols (GONGJIA0208/Diffpose
@9a15bf8, Diffpose_video @bf8484a, ipl-uw/ZeDO-Release @e33a51a), checked on
small files in the originals' layouts through mmengine's Runner
(tools/test.py's path); model sizes are shrunk, the protocol is not."""
import sys
from pathlib import Path

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmpose.registry import DATASETS

import poselift_mm  # noqa: F401

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / 'tests' / 'datasets'))
import fixtures_paper_formats as fx  # noqa: E402
from poselift_mm.datasets.readers import VIDEOPOSE3D_CAMERA_IDS  # noqa: E402

pytestmark = pytest.mark.filterwarnings('ignore::UserWarning')
FRAME = 'configs/diffpose/diffpose_gcndiff-gcnpose_h36m_paper.py'
VIDEO = 'configs/diffpose/diffpose_gcndiff-mixste243_h36m_paper.py'
ZEDO_PAPER = 'configs/zedo/zedo_prior-mlp1024_h36m-mocap_paper.py'
ZEDO_PKL = 'configs/zedo/zedo_prior-mlp1024_zedo-h36m-pkl_paper.py'
LENGTHS = {'Walking 1': 12, 'Waiting': 3}  # windows of 5: tails, padding


def cfg(path):
    return Config.fromfile(str(REPO / path))


@pytest.fixture
def vp3d_files(tmp_path):
    """DiffPose's files: data_3d_h36m.npz, the CPN 2D (VideoPose3D) and the
    2D mixtures ``*_gmm.npz`` [pi, mu_u, mu_v, sigma_u, sigma_v], cameras."""
    full, cams = fx.world_motion(subjects=('S1', 'S9', 'S11'),
                                 actions=tuple(LENGTHS), num_frames=12,
                                 seed=5)
    motion = {s: {a: full[s][a][:n] for a, n in LENGTHS.items()}
              for s in full}
    fx.write_videopose3d_3d(tmp_path / 'data_3d_h36m.npz', motion)
    (tmp_path / 'annotation_body3d').mkdir()
    fx.write_cameras_pkl(tmp_path / 'annotation_body3d/cameras.pkl', cams)
    pos2d, gmm = {}, {}
    for s, acts in motion.items():
        pos2d[s], gmm[s] = {}, {}
        for a, world in acts.items():
            uvs = [fx.pinhole(fx.camera_frame(world, cams[(s, c)]),
                              cams[(s, c)]['f'].ravel(),
                              cams[(s, c)]['c'].ravel()).astype(np.float32)
                   for c in VIDEOPOSE3D_CAMERA_IDS]
            pos2d[s][a] = uvs
            gmm[s][a] = [fx.make_gmm(uv, seed=i) for i, uv in enumerate(uvs)]
    fx.write_videopose3d_2d(tmp_path / 'data_2d_h36m_cpn_ft_h36m_dbb.npz',
                            pos2d)
    for name in ('gt', 'cpn_ft_h36m_dbb'):
        fx.write_diffpose_gmm_2d(tmp_path / f'data_2d_h36m_{name}_gmm.npz',
                                 gmm)
    return tmp_path


def test_ema_as_the_originals():
    """Both originals keep an EMA and evaluate the raw weights."""
    for path, momentum, warmup in ((FRAME, 1e-3, False),
                                   (VIDEO, 1e-3, False),
                                   (ZEDO_PAPER, 1e-4, True)):
        hooks = [h for h in cfg(path).custom_hooks if 'EMA' in h['type']]
        assert len(hooks) == 1, path
        assert hooks[0]['type'] == 'RawWeightsEMAHook', path
        assert hooks[0]['ema_type'] == 'OriginalEMA', path
        assert hooks[0]['momentum'] == momentum, path
        assert hooks[0]['warmup'] is warmup, path


def test_zedo_exact_and_paper_are_pinhole():
    for path in ('configs/zedo/zedo_prior-mlp512_h36m-mocap_cpu_exact.py',
                 'configs/zedo/zedo_prior-mlp512_h36m-mocap_cpu_exact_det2d'
                 '.py', ZEDO_PAPER, ZEDO_PKL):
        test_cfg = cfg(path).model.test_cfg
        assert test_cfg.use_distortion is False, path
        assert test_cfg.oil.mode == 'original' and test_cfg.oil.iters == 1000
        assert test_cfg.ipo.iters == 500


def test_frame_training_reads_each_frames_mixture(vp3d_files):
    """Frame DiffPose trains on the GT-2D mixture file: every sample
    carries its per-frame mixture, which DiffPoseHead.loss draws from."""
    init_default_scope('mmpose')
    c = cfg(FRAME)
    ds_cfg = dict(c.train_dataloader.dataset, data_root=str(vp3d_files) +
                  '/', subjects=['S1'])
    assert ds_cfg['keypoint_2d_file'] == 'data_2d_h36m_gt_gmm.npz'
    ds = DATASETS.build(ds_cfg)
    info = ds.get_data_info(0)
    assert info['keypoints_gmm'].shape == (1, 17, 3, 5)
    # through the config's pipeline: the mixture reaches the head, its means
    # in the 2D's screen units (u = 2x/w - 1), its weights and sigmas as
    # stored (DiffPose's create_2d_data normalises [..., 1:3] only)
    packed = ds[0]['data_samples'].gt_instances.keypoints_gmm
    w, h = info['camera_param']['w'], info['camera_param']['h']
    raw = info['keypoints_gmm']
    np.testing.assert_allclose(packed[..., 1:3], raw[..., 1:3] / w * 2 -
                               [1, h / w], rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(packed[..., [0, 3, 4]], raw[..., [0, 3, 4]])


def run_test(path, tmp_path, data_root, options):
    c = cfg(path)
    c.merge_from_dict({'test_dataloader.dataset.data_root': str(data_root) +
                       '/', 'work_dir': str(tmp_path / 'work'),
                       'log_level': 'WARNING', **options})
    return Runner.from_cfg(c).test()


def test_video_protocol(vp3d_files, tmp_path, monkeypatch):
    """Every frame scored (windows re-anchored at the end, the 3-frame
    videos padded), MPJVE reported, MixSTE's output not re-centred."""
    monkeypatch.chdir(REPO)
    c = cfg(VIDEO)
    assert c.model.test_cfg.center_init is False
    assert c.test_dataloader.dataset.multiple_target_tail == 'anchor'
    assert c.test_evaluator.mpjve is True
    assert c.train_dataloader.dataset.keypoint_2d_file == \
        'data_2d_h36m_cpn_ft_h36m_dbb_gmm.npz'
    small = {'model.backbone.num_frames': 5, 'model.backbone.embed_dim': 16,
             'model.backbone.depth': 1, 'model.backbone.num_heads': 2,
             'test_dataloader.dataset.multiple_target': 5,
             'test_dataloader.dataset.multiple_target_step': 5}
    m = run_test(VIDEO, tmp_path, vp3d_files, small)
    for key in ('h36m/MPJPE', 'h36m/P-MPJPE', 'h36m/N-MPJPE', 'h36m/MPJVE',
                'h36m/MPJVE_Walking', 'h36m/MPJVE_Waiting'):
        assert np.isfinite(m[key]) and m[key] >= 0, key
    # S9 and S11, 4 cameras: windows 0-4, 5-9, 7-11 of the 12-frame video
    # and 0,1,2,2,2 of the 3-frame one
    init_default_scope('mmpose')
    c.merge_from_dict({'test_dataloader.dataset.data_root':
                       str(vp3d_files) + '/',
                       'test_dataloader.dataset.multiple_target': 5,
                       'test_dataloader.dataset.multiple_target_step': 5})
    ds = DATASETS.build(c.test_dataloader.dataset)
    assert len(ds) == 2 * 4 * (3 + 1)


@pytest.fixture
def zedo_files(tmp_path):
    """ZeDO's h36m_test.pkl, h36m_sh_dt_ft.pkl and clusters/
    h36m_cluster{S}.npy."""
    motion, cams = fx.world_motion(subjects=('S9', ), actions=('Waiting', ),
                                   num_frames=6, seed=7)
    items, uvs = [], []
    for (subj, cam_id), entry in sorted(cams.items()):
        x = fx.camera_frame(motion[subj]['Waiting'], entry)
        items += fx.zedo_h36m_items(x, entry,
                                    VIDEOPOSE3D_CAMERA_IDS.index(cam_id), 9,
                                    13, 1, np.arange(len(x)))
        uvs.append(fx.pinhole(x, entry['f'].ravel(), entry['c'].ravel()))
    fx.write_pickle(tmp_path / 'h36m_test.pkl', items)
    uv = np.concatenate(uvs)
    fx.write_zedo_sh_dt_ft(tmp_path / 'h36m_sh_dt_ft.pkl', 'test',
                           uv + 2., np.full(uv.shape[:2], 0.9))
    (tmp_path / 'clusters').mkdir()
    poses = np.stack([it['joint_3d_camera'] for it in items]) / 1000.
    for s in (1, 2):
        np.save(tmp_path / f'clusters/h36m_cluster{s}.npy',
                poses[:s].astype(np.float32))
    return tmp_path


@pytest.mark.parametrize('det', [False, True])
def test_zedo_pkl_protocol(zedo_files, tmp_path, monkeypatch, det):
    """ZeDO's own files, its per-S start poses and its eval_multi scoring.
    Needs two ScoreHead hooks (read ZeDO's .npy start poses through
    poselift_mm.utils.initial_poses; return hypotheses_root_offset): until
    they are in, this is an expected failure naming which one is missing."""
    monkeypatch.chdir(REPO)
    c = cfg(ZEDO_PKL)
    assert c.test_dataloader.dataset.sample_interval == 640
    assert c.test_evaluator.hypotheses_protocol == 'zedo'
    options = {
        'model.head.denoiser.hidden_dim': 64,
        'model.head.denoiser.embed_dim': 32,
        'model.test_cfg.ipo.iters': 3, 'model.test_cfg.oil.iters': 5,
        'model.init_poses.file': str(zedo_files) +
        '/clusters/h36m_cluster{num}.npy',
        'model.init_poses.num': 2,
        'test_dataloader.dataset.sample_interval': 2}
    if det:
        options.update({
            'test_dataloader.dataset.keypoint_2d_src': 'detection',
            'test_dataloader.dataset.keypoint_2d_det_file':
            'h36m_sh_dt_ft.pkl'})
    m = run_test(ZEDO_PKL, tmp_path, zedo_files, options)
    assert np.isfinite(m['h36m/MPJPE(P-Best)'])
    assert np.isfinite(m['h36m/P-MPJPE(P-Best)'])
    assert m['h36m/P-MPJPE(P-Best)'] <= m['h36m/MPJPE(P-Best)'] + 1e-6
