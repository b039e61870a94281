"""What the benchmark suite measures: the test sets, their sample strides,
and the models with every property the suite acts on as an explicit field
(no behaviour is read from display names).

Released models come from the metafiles (:mod:`poselift_mm.apis.model_zoo`);
MMPose's peers are trained by the suite from our baseline configs (their
checkpoint is ``work_dirs/<config name>/best*.pth``). Paths are resolved
against the repository root, never the current directory.
"""
import glob
import os.path as osp
import re
import time
from dataclasses import dataclass, field
from typing import Optional

from poselift_mm.apis.model_zoo import get_model, repo_path, repo_root

__all__ = ['SETS', 'MAIN_SETS', 'NOISE_SETS', 'STRIDES', 'METRICS',
           'BenchModel', 'MODELS',
           'model_named', 'slug', 'checkpoint_of', 'training_seconds']

SETS = {
    's8_gt': dict(label='S8, GT 2D', data_root='data/h36m_mocap/',
                  ann_file='annotation_body3d/fps50/h36m_val.npz',
                  keypoint_2d_src='gt'),
    's8_noisy': dict(label='S8, noisy 2D', data_root='data/h36m_mocap/',
                     ann_file='annotation_body3d/fps50/h36m_val.npz',
                     keypoint_2d_src='detection',
                     keypoint_2d_det_file='joint_2d_det_files/fps50/'
                     'h36m_val_noisy.npy'),
    'cmu_gt': dict(label='CMU, GT 2D', data_root='data/cmu_h36m/',
                   ann_file='annotation_body3d/fps50/h36m_test.npz',
                   keypoint_2d_src='gt'),
}
# detector-like 2D at two strengths (DetectorNoise2D presets 'mild' and
# 'strong', tools/make_noisy_2d.py; datasets/noise2d.py cites the figures)
for _name, _root, _ann, _det in (
        ('s8', 'data/h36m_mocap/', 'h36m_val', 'h36m_val_det'),
        ('cmu', 'data/cmu_h36m/', 'h36m_test', 'h36m_test_det')):
    for _strength in ('mild', 'strong'):
        SETS[f'{_name}_{_strength}'] = dict(
            label=f"{'S8' if _name == 's8' else 'CMU'}, {_strength} "
            'detector-like 2D', data_root=_root,
            ann_file=f'annotation_body3d/fps50/{_ann}.npz',
            keypoint_2d_src='detection',
            keypoint_2d_det_file=f'joint_2d_det_files/fps50/{_det}_'
            f'{_strength}.npy')
# the main table's sets, and the detector-noise table's
MAIN_SETS = ('s8_gt', 's8_noisy', 'cmu_gt')
NOISE_SETS = ('s8_gt', 's8_mild', 's8_strong', 'cmu_gt', 'cmu_mild',
              'cmu_strong')
ALL_SETS = tuple(SETS)
# stride of the test samples per set and kind of model (frames or windows)
STRIDES = {kind: {set_id: per[set_id.split('_')[0]] for set_id in SETS}
           for kind, per in dict(frame=dict(s8=20, cmu=20),
                                 zedo=dict(s8=200, cmu=20),
                                 zedo_slow=dict(s8=400, cmu=40),
                                 window=dict(s8=4, cmu=1)).items()}
METRICS = ('MPJPE', 'P-MPJPE', 'N-MPJPE')
TRAIN = 'train'  # checkpoint of a peer: trained by the suite


@dataclass(frozen=True)
class BenchModel:
    """One row of the benchmark.

    ``zoo``: metafile model name (config and weights from the metafile),
    or None with ``config`` (repository-relative) and ``checkpoint``
    'train'. ``family`` says how a speed job calls the model: 'zedo'
    (its head's ``lift``, IPO + OIL, on pixels with intrinsics),
    'diffpose' (``lift`` on screen 2D), 'mmpose' (backbone + head on
    (B, 2K, T)). ``video``: its speed
    sweeps other than batch lift 4 windows per call (else 64 samples).
    ``tcn_window``: a VideoPose3D TCN whose window is 3^len(kernel_sizes)
    frames (the window sweep changes its blocks). ``quick_all_sets``:
    ``--quick`` tests it on every set (others on S8 GT only).
    ``checkpoint``: a repository-relative glob of weights trained outside
    the suite (the newest match is used). ``sets``: the sets it is tested
    on. ``ablation_of``: the name of the row whose checkpoint this row
    tests without its diffusion head (:mod:`.targets` reads the head's
    gain from the pair).
    """
    name: str
    stride: str
    family: str
    zoo: Optional[str] = None
    config: Optional[str] = None
    options: dict = field(default_factory=dict)
    peer: bool = False
    video: bool = False
    tcn_window: bool = False
    quick_all_sets: bool = False
    trained_on: str = '2D-3D pairs'
    checkpoint: Optional[str] = None
    sets: tuple = ALL_SETS
    ablation_of: Optional[str] = None

    @property
    def temporal(self) -> bool:
        """Lifts from a window of frames (a video model, a TCN peer)."""
        return self.video or self.tcn_window

    def config_rel(self, root: Optional[str] = None) -> str:
        """The config, repository-relative."""
        if self.zoo is None:
            return self.config
        root = root or repo_root()
        return osp.relpath(get_model(self.zoo, root).config, root)

    def checkpoint_rel(self, root: Optional[str] = None) -> str:
        """The weights, repository-relative, or 'train' for a peer."""
        if self.checkpoint is not None:
            return self.checkpoint
        if self.zoo is None:
            return TRAIN
        root = root or repo_root()
        return osp.relpath(get_model(self.zoo, root).weights, root)


def _peer(name, config, **kw):
    return BenchModel(name, 'frame', 'mmpose', config='configs/baselines/'
                      + config, peer=True, **kw)


def _noise_trained(name, config, stride, family, checkpoint, **kw):
    """A model trained on detector-like 2D outside the suite (``tools/
    train.py CONFIG --work-dir work_dirs/dn/<config name>``)."""
    return BenchModel(name, stride, family, config=config,
                      checkpoint=checkpoint, trained_on='2D-3D pairs, '
                      'detector-like 2D', **kw)


def _dn_peer(name, config, **kw):
    stem = osp.splitext(config)[0]
    return _noise_trained(name, 'configs/baselines/' + config, 'frame',
                          'mmpose', f'work_dirs/dn/{stem}/epoch_*.pth',
                          peer=True, **kw)


ZEDO = 'zedo_prior-mlp512_h36m-mocap_cpu'
DIFF = 'diffpose_gcndiff-gcnpose_h36m-mocap_cpu'
DIFF_VIDEO = 'diffpose_gcndiff-mixste_h36m-mocap-27f_cpu'
DN4 = ('DiffPose frame, GCNPose 4 epochs, scores in the denoiser '
       '(diffpose-dn4-conf)')
DN8 = 'DiffPose video 27f, MixSTE 8 epochs (diffpose-video-dn8-seq2seq)'
DN12 = ('DiffPose video 27f, MixSTE 12 epochs, mirrored windows '
        '(diffpose-video-dn12-flip)')
# (row, metafile model, stride, video) of the released noise-trained
# DiffPose models whose pose model alone is a row too
HEAD_ABLATIONS = (
    (DN4, DIFF + '_dnhead_root2d_conf_4e', 'frame', False),
    (DN8, DIFF_VIDEO + '_dntrain_8e', 'window', True),
    (DN12, DIFF_VIDEO + '_dntrain_12e_flip', 'window', True))


def _pose_model_alone(name, zoo, stride, video):
    """The released checkpoint of row ``name`` without its diffusion head
    (``test_cfg.timesteps=()``: the pose model's output is the result)."""
    return BenchModel(name.split(' (')[0] + ', pose model alone (no '
                      'diffusion head)', stride, 'diffpose', zoo=zoo,
                      options={'model.test_cfg.timesteps': ()}, video=video,
                      trained_on='2D-3D pairs, detector-like 2D',
                      sets=NOISE_SETS, ablation_of=name)

MODELS = (
    _peer('SimpleBaseline3D (MMPose)', 'simplebaseline3d_h36m-mocap_cpu.py',
          sets=MAIN_SETS),
    _peer('VideoPose3D 1 frame (MMPose)',
          'videopose3d_tcn-1frm_h36m-mocap_cpu.py', sets=MAIN_SETS),
    _peer('VideoPose3D 27 frames (MMPose)',
          'videopose3d_tcn-27frm_h36m-mocap_cpu.py', tcn_window=True,
          quick_all_sets=True, sets=MAIN_SETS),
    _dn_peer('SimpleBaseline3D (MMPose), noise-trained',
             'simplebaseline3d_h36m-mocap_cpu_dntrain.py', sets=NOISE_SETS),
    _dn_peer('VideoPose3D 1 frame (MMPose), noise-trained',
             'videopose3d_tcn-1frm_h36m-mocap_cpu_dntrain.py',
             sets=NOISE_SETS),
    _dn_peer('VideoPose3D 27 frames (MMPose), noise-trained',
             'videopose3d_tcn-27frm_h36m-mocap_cpu_dntrain.py',
             tcn_window=True, sets=NOISE_SETS),
    BenchModel('DiffPose frame', 'frame', 'diffpose', zoo=DIFF),
    _noise_trained('DiffPose frame, noise-trained',
                   'configs/diffpose/diffpose_gcndiff-gcnpose_h36m-'
                   'mocap_cpu_dntrain.py', 'frame', 'diffpose',
                   'work_dirs/dn/diffpose_gcndiff-gcnpose_h36m-mocap_cpu_'
                   'dntrain/epoch_*.pth', sets=NOISE_SETS),
    BenchModel('DiffPose frame, 20 hyp.', 'zedo', 'diffpose',
               zoo=DIFF + '_det2d_hyp20', sets=MAIN_SETS),
    BenchModel('DiffPose video 27f', 'window', 'diffpose', zoo=DIFF_VIDEO,
               video=True, quick_all_sets=True),
    _noise_trained('DiffPose video 27f, noise-trained MixSTE',
                   'configs/diffpose/diffpose_gcndiff-mixste_h36m-mocap-'
                   '27f_cpu_dntrain.py', 'window', 'diffpose',
                   'work_dirs/dn/diffpose_video_dn.pth', video=True,
                   sets=NOISE_SETS),
    BenchModel('DiffPose frame, scores in the denoiser (diffpose-dn-conf)',
               'frame', 'diffpose', zoo=DIFF + '_dnhead_root2d_conf',
               trained_on='2D-3D pairs, detector-like 2D', sets=NOISE_SETS),
    BenchModel(DN4, 'frame', 'diffpose',
               zoo=DIFF + '_dnhead_root2d_conf_4e',
               trained_on='2D-3D pairs, detector-like 2D', sets=NOISE_SETS),
    BenchModel(DN8, 'window', 'diffpose',
               zoo=DIFF_VIDEO + '_dntrain_8e', video=True,
               trained_on='2D-3D pairs, detector-like 2D', sets=NOISE_SETS),
    BenchModel(DN12, 'window', 'diffpose',
               zoo=DIFF_VIDEO + '_dntrain_12e_flip', video=True,
               trained_on='2D-3D pairs, detector-like 2D', sets=NOISE_SETS),
    *(_pose_model_alone(name, zoo, stride, video=video) for name, zoo,
      stride, video in HEAD_ABLATIONS),
    BenchModel('DiffPose video 27f causal', 'zedo', 'diffpose',
               zoo=DIFF_VIDEO + '_causal', video=True, sets=MAIN_SETS),
    BenchModel('ZeDO (zero-shot), OIL 50', 'zedo', 'zedo', zoo=ZEDO,
               quick_all_sets=True, trained_on='3D poses only'),
    BenchModel('ZeDO (zero-shot), confidence-weighted snapping '
               '(zedo-robust)', 'zedo', 'zedo', zoo=ZEDO + '_robust',
               trained_on='3D poses only', sets=NOISE_SETS),
    BenchModel('ZeDO (zero-shot), OIL 20', 'zedo', 'zedo', zoo=ZEDO,
               options={'model.test_cfg.oil.iters': 20},
               trained_on='3D poses only', sets=MAIN_SETS),
    BenchModel('ZeDO (zero-shot), exact', 'zedo', 'zedo',
               zoo=ZEDO + '_exact', trained_on='3D poses only',
               sets=MAIN_SETS),
    BenchModel('ZeDO (zero-shot), 10 hyp.', 'zedo_slow', 'zedo',
               zoo=ZEDO + '_hyp10', trained_on='3D poses only',
               sets=MAIN_SETS),
)


def model_named(name: str) -> BenchModel:
    (model, ) = [m for m in MODELS if m.name == name]
    return model


def slug(text: str) -> str:
    return ''.join(c if c.isalnum() else '-' for c in text.lower()).strip('-')


def checkpoint_of(config: str, pattern: str, root: Optional[str] = None):
    """Newest file matching ``pattern`` (repository-relative glob), or for
    'train' ``work_dirs/<config name>/best*.pth``; None when absent."""
    root = root or repo_root()
    if pattern == TRAIN:
        name = osp.splitext(osp.basename(config))[0]
        pattern = osp.join('work_dirs', name, 'best*.pth')
    hits = sorted(glob.glob(repo_path(pattern, root)))
    return hits[-1] if hits else None


def _log_span(text: str):
    """Seconds from the first to the last mmengine timestamp of a
    training log, or None (no training, fewer than 2 stamps)."""
    if 'Epoch(train)' not in text:
        return None
    stamp = re.compile(r'^(\d{4}/)?(\d\d/\d\d \d\d:\d\d:\d\d) - mmengine')
    found = [m for m in map(stamp.match, text.splitlines()) if m]
    if len(found) < 2:
        return None
    t = [time.strptime((m.group(1) or '2000/') + m.group(2),
                       '%Y/%m/%d %H:%M:%S') for m in (found[0], found[-1])]
    return time.mktime(t[1]) - time.mktime(t[0])


def training_seconds(config: str, root: Optional[str] = None):
    """Wall time of the newest training log of ``config``'s work_dir (first
    to last timestamp), or None."""
    name = osp.splitext(osp.basename(config))[0]
    logs = sorted(glob.glob(osp.join(root or repo_root(), 'work_dirs', name,
                                     '*', '*.log')))
    for path in reversed(logs):
        with open(path) as f:
            span = _log_span(f.read())
        if span is not None:
            return span
    return None
