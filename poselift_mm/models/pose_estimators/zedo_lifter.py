"""``ZeDOLifter``: zero-shot 2D -> 3D lifting by optimisation against an
unconditional score prior (Jiang et al., WACV 2024, ipl-uw/ZeDO-Release).

Training (``loss``) trains only the prior, on the 3D targets: the 2D inputs
are never used, so any 3D pose collection trains it. Prediction runs IPO
then OIL (:mod:`poselift_mm.diffusion.zedo_optim`) for every sample and
every initial pose (hypothesis) of the batch at once.

Intrinsics: per sample ``camera_param`` (``f``, ``c``; ``k``, ``p`` used
for lens distortion when ``use_distortion``), as MMPose's Human3.6M
datasets give them. Without ``f``/``c`` (MMPose's inferencer passes only
``w``, ``h``) the camera is a pinhole with ``c = (w/2, h/2)`` and
``f = default_focal`` or, when that is None, the image diagonal
``sqrt(w^2 + h^2)`` px (the CLIFF convention, a ~53 deg horizontal field of
view for 4:3 images); a warning is given once. No intrinsics and no image
size is an error.
"""
import warnings
from typing import Optional, Sequence

import numpy as np
import torch
from mmengine.model import BaseModel
from mmengine.structures import InstanceData
from mmpose.models.pose_estimators.base import BasePoseEstimator
from mmpose.registry import MODELS

from poselift_mm.diffusion.zedo_optim import (ipo, oil, reprojection_error)
from poselift_mm.geometry.camera import pixels_to_rays
from poselift_mm.utils.compat import patch_pose3d_inferencer

from .inputs import read_scores, unpack_keypoints

__all__ = ['ZeDOLifter', 'load_initial_poses']

DEFAULT_IPO = dict(iters=500, lr=0.1, joints=(0, 1, 4), axes='z', depth=3.,
                   scale_range=(0.5, 2.))
DEFAULT_OIL = dict(iters=1000, t_start=0.1, t_end=0.01,
                   fix_translation_frac=0.2, mode='original', ref_iters=1000)


def load_initial_poses(path: str, num: int, num_joints: int,
                       root_index: int = 0) -> torch.Tensor:
    """(num, K, 3) root-relative start poses from a ``tools/make_clusters.py``
    file (key ``clusters``; the most populated clusters first when
    ``counts`` is stored)."""
    try:
        data = np.load(path)
    except (OSError, ValueError) as err:
        raise ValueError(f'{path}: cannot read initial poses ({err})') from err
    if 'clusters' not in data.files:
        raise ValueError(f"{path}: key 'clusters' is missing (found "
                         f'{data.files}); write it with tools/make_clusters.py')
    c = np.asarray(data['clusters'], np.float32)
    if c.ndim != 3 or c.shape[1:] != (num_joints, 3):
        raise ValueError(f"{path}: 'clusters' must be (S, {num_joints}, 3) "
                         f'metres, got {c.shape}')
    if not np.isfinite(c).all():
        raise ValueError(f"{path}: 'clusters' contains NaN/inf")
    if num > len(c):
        raise ValueError(f'{path}: num_hypotheses={num} but the file has '
                         f'only {len(c)} clusters')
    if 'counts' in data.files and len(data['counts']) == len(c):
        c = c[np.argsort(-np.asarray(data['counts']), kind='stable')]
    c = c[:num] - c[:num, root_index:root_index + 1]
    return torch.from_numpy(np.ascontiguousarray(c))


@MODELS.register_module()
class ZeDOLifter(BasePoseEstimator):
    """ZeDO as an MMPose pose estimator.

    Args:
        head: a ``ScoreHead`` holding the score network.
        init_poses: ``dict(file=<make_clusters.py npz>, num=S)``: S
            hypotheses, one per initial pose. ``file=None`` is allowed for
            training only.
        test_cfg: ``ipo`` / ``oil`` dicts (defaults: the paper's H36M
            values, :data:`DEFAULT_IPO`, :data:`DEFAULT_OIL`);
            ``aggregate`` 'min_reproj' (the hypothesis of lowest
            confidence-weighted reprojection error), 'mean' or 'median'
            (per coordinate) of the root-relative hypotheses;
            ``default_focal`` (px, see the module doc); ``use_distortion``;
            ``conf_range`` (ZeDO clamps confidences to [1e-4, 1], so
            all-zero confidences act as uniform ones); ``chunk_size`` (max
            poses per optimisation pass; None: the whole batch);
            ``return_hypotheses``.
    """

    def __init__(self,
                 head: dict,
                 init_poses: Optional[dict] = None,
                 root_index: int = 0,
                 train_cfg: Optional[dict] = None,
                 test_cfg: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None,
                 metainfo: Optional[dict] = None):
        # No backbone: skip BasePoseEstimator.__init__'s backbone build.
        BaseModel.__init__(self, data_preprocessor=data_preprocessor,
                           init_cfg=init_cfg)
        # MMPose's inferencer builds us: make its video tracks persist
        patch_pose3d_inferencer()
        self.metainfo = self._load_metainfo(metainfo)
        self.train_cfg = train_cfg or {}
        self.test_cfg = dict(test_cfg or {})
        self.head = MODELS.build(head)
        self.root_index = root_index
        self.num_joints = self.head.num_joints
        init_poses = dict(init_poses or {})
        self.init_file = init_poses.get('file')
        self.num_hypotheses = int(init_poses.get('num', 1))
        if self.init_file:
            self.register_buffer(
                'initial_poses',
                load_initial_poses(self.init_file, self.num_hypotheses,
                                   self.num_joints, root_index),
                persistent=False)
        else:
            self.initial_poses = None
        self.ipo_cfg = {**DEFAULT_IPO, **self.test_cfg.get('ipo', {})}
        self.oil_cfg = {**DEFAULT_OIL, **self.test_cfg.get('oil', {})}
        agg = self.test_cfg.get('aggregate', 'min_reproj')
        if agg not in ('min_reproj', 'mean', 'median'):
            raise ValueError("ZeDOLifter: test_cfg.aggregate must be "
                             f"'min_reproj', 'mean' or 'median', got {agg!r}")
        self._warned_focal = False

    @property
    def with_neck(self) -> bool:
        return False

    # ---- inputs ---------------------------------------------------------
    def _keypoints(self, inputs) -> torch.Tensor:
        """PackPoseInputs' (B, K*2, T) -> (B, T, K, 2) pixels."""
        return unpack_keypoints(inputs, self.num_joints, 'ZeDOLifter')

    def _scores(self, data_samples, shape) -> torch.Tensor:
        out = read_scores(data_samples, shape)
        if not torch.isfinite(out).all():
            raise ValueError('ZeDOLifter: NaN keypoint confidences')
        lo, hi = self.test_cfg.get('conf_range', (1e-4, 1.))
        return out.clamp(lo, hi)

    def _cameras(self, data_samples, device):
        """-> f (B, 2), c (B, 2), k (B, 3) | None, p (B, 2) | None."""
        fs, cs, ks, ps = [], [], [], []
        use_dist = self.test_cfg.get('use_distortion', True)
        for i, ds in enumerate(data_samples):
            cam = ds.metainfo.get('camera_param') or {}
            if 'f' in cam and 'c' in cam:
                f = np.asarray(cam['f'], np.float32).reshape(-1)
                c = np.asarray(cam['c'], np.float32).reshape(-1)
                f = np.repeat(f, 2) if f.size == 1 else f
            else:
                w, h = cam.get('w'), cam.get('h')
                if w is None or h is None:
                    shape = ds.metainfo.get('ori_shape')
                    if shape is not None:
                        h, w = shape[:2]
                if w is None or h is None:
                    raise ValueError(
                        f'ZeDOLifter: data sample {i} has no camera '
                        "intrinsics (camera_param 'f', 'c') and no image size"
                        " (camera_param 'w', 'h' or ori_shape): ZeDO needs "
                        'the camera to find the 2D keypoints\' rays')
                focal = self.test_cfg.get('default_focal') or float(
                    np.hypot(w, h))
                if not self._warned_focal:
                    warnings.warn(
                        'ZeDOLifter: no camera intrinsics, using a pinhole '
                        f'with f={focal:.0f} px (image diagonal unless '
                        'test_cfg.default_focal is set) and the image '
                        'centre', stacklevel=2)
                    self._warned_focal = True
                f = np.array([focal, focal], np.float32)
                c = np.array([w / 2., h / 2.], np.float32)
            if f.size != 2 or c.size != 2 or not np.isfinite(
                    np.r_[f, c]).all() or (f <= 0).any():
                raise ValueError(f'ZeDOLifter: data sample {i}: bad '
                                 f'intrinsics f={f}, c={c}')
            fs.append(f)
            cs.append(c)
            ks.append(np.asarray(cam.get('k', np.zeros(3)),
                                 np.float32).reshape(-1)[:3])
            ps.append(np.asarray(cam.get('p', np.zeros(2)),
                                 np.float32).reshape(-1)[:2])
        f = torch.from_numpy(np.stack(fs)).to(device)
        c = torch.from_numpy(np.stack(cs)).to(device)
        k = torch.from_numpy(np.stack(ks)).to(device)
        p = torch.from_numpy(np.stack(ps)).to(device)
        if not use_dist or (not k.any() and not p.any()):
            k = p = None
        return f, c, k, p

    # ---- training -------------------------------------------------------
    def extract_feat(self, inputs):
        return inputs

    def loss(self, inputs, data_samples) -> dict:
        """DSM on the root-relative 3D targets (the 2D is not used)."""
        poses = []
        for ds in data_samples:
            labels = ds.get('gt_instance_labels')
            if labels is not None and 'lifting_target_label' in labels:
                x = torch.as_tensor(labels.lifting_target_label)
            else:
                x = torch.as_tensor(np.asarray(
                    ds.gt_instances.lifting_target))
                x = x - x[..., self.root_index:self.root_index + 1, :]
            poses.append(x.reshape(-1, self.num_joints, 3))
        x0 = torch.cat(poses).float().to(self.head.flip_perm.device)
        return self.head.loss(x0, data_samples, train_cfg=self.train_cfg)

    # ---- prediction -----------------------------------------------------
    def lift(self, uv, conf, f, c, k=None, p=None):
        """Batched IPO + OIL. ``uv`` (N, K, 2) px, ``conf`` (N, K), ``f``,
        ``c`` (N, 2) -> dict of ``hypotheses`` (N, S, K, 3) root-relative
        metres, ``translation`` (N, S, 3), ``reproj_error`` (N, S, K) px."""
        if self.initial_poses is None:
            raise ValueError(
                'ZeDOLifter: no initial poses; set model.init_poses=dict('
                'file=<clusters.npz from tools/make_clusters.py>, num=S)')
        n, s = uv.shape[0], self.num_hypotheses
        rep = lambda v: None if v is None else v.repeat_interleave(s, 0)  # noqa
        uv_s, conf_s, f_s, c_s, k_s, p_s = (rep(v) for v in (uv, conf, f, c,
                                                              k, p))
        x0 = self.initial_poses.to(uv.device).repeat(n, 1, 1)
        rays = pixels_to_rays(uv_s, f_s[:, None], c_s[:, None],
                              None if k_s is None else k_s[:, None],
                              None if p_s is None else p_s[:, None])
        ic, oc = self.ipo_cfg, self.oil_cfg
        R, T = ipo(x0, uv_s, rays, f_s, c_s, k_s, p_s, joints=ic['joints'],
                   axes=ic['axes'], depth=ic['depth'],
                   scale_range=tuple(ic['scale_range']), iters=ic['iters'],
                   lr=ic['lr'], root_index=self.root_index)
        x = x0 @ R.transpose(1, 2)
        iters = int(oc['iters'])
        x, T = oil(x, T, rays, conf_s, self.head.noise, self.head.sde,
                   iters=iters, t_start=oc['t_start'], t_end=oc['t_end'],
                   fix_translation_iters=int(round(
                       oc['fix_translation_frac'] * iters)),
                   mode=oc['mode'], ref_iters=oc['ref_iters'])
        err = reprojection_error(x + T[:, None], uv_s, f_s, c_s, k_s, p_s)
        root = x[:, self.root_index:self.root_index + 1]
        return dict(hypotheses=(x - root).reshape(n, s, -1, 3),
                    translation=(T[:, None] + root).reshape(n, s, 3),
                    reproj_error=err.reshape(n, s, -1))

    def aggregate(self, hyps, reproj, conf):
        """(N, S, K, 3), (N, S, K), (N, K) -> deployable (N, K, 3), index of
        the chosen hypothesis (N,) (-1 for mean/median)."""
        mode = self.test_cfg.get('aggregate', 'min_reproj')
        n = hyps.shape[0]
        if mode == 'mean':
            return hyps.mean(1), hyps.new_full((n, ), -1).long()
        if mode == 'median':
            return hyps.median(1).values, hyps.new_full((n, ), -1).long()
        w = conf[:, None]
        score = (reproj * w).sum(-1) / w.sum(-1)
        best = score.argmin(1)
        return hyps[torch.arange(n), best], best

    @torch.no_grad()
    def predict(self, inputs, data_samples):
        """IPO + OIL on every sample and hypothesis of the batch; fills
        ``pred_instances``: ``keypoints`` (1, K, 3) root-relative metres
        (the aggregate), ``keypoint_scores`` (1, K), ``keypoint_spread`` (1,
        K) metres (RMS distance of the hypotheses to their mean),
        ``translation`` (1, 3) camera-frame root position of the chosen
        hypothesis, and (``return_hypotheses``) ``hypotheses`` (1, S, K, 3)
        and ``hypotheses_reproj_error`` (1, S, K) px."""
        was_training = self.training
        self.eval()
        kp = self._keypoints(inputs)
        b, t = kp.shape[:2]
        conf = self._scores(data_samples, kp.shape[:3]).to(kp.device)
        f, c, k, p = self._cameras(data_samples, kp.device)
        rep_t = lambda v: None if v is None else v.repeat_interleave(t, 0)  # noqa
        uv = kp.reshape(b * t, self.num_joints, 2)
        cf = conf.reshape(b * t, self.num_joints)
        f, c, k, p = (rep_t(v) for v in (f, c, k, p))
        chunk = self.test_cfg.get('chunk_size') or uv.shape[0]
        parts = [
            self.lift(uv[i:i + chunk], cf[i:i + chunk], f[i:i + chunk],
                      c[i:i + chunk], None if k is None else k[i:i + chunk],
                      None if p is None else p[i:i + chunk])
            for i in range(0, uv.shape[0], chunk)
        ]
        out = {key: torch.cat([q[key] for q in parts]) for key in parts[0]}
        hyps, reproj = out['hypotheses'], out['reproj_error']
        agg, best = self.aggregate(hyps, reproj, cf)
        spread = (hyps - hyps.mean(1, keepdim=True)).norm(dim=-1).pow(2).mean(
            1).sqrt()
        idx = torch.where(best >= 0, best, torch.zeros_like(best))
        trans = out['translation'][torch.arange(len(idx)), idx]
        k_ = self.num_joints
        agg = agg.reshape(b, t, k_, 3)
        spread = spread.reshape(b, t, k_)
        hyps = hyps.reshape(b, t, -1, k_, 3)
        reproj = reproj.reshape(b, t, -1, k_)
        trans = trans.reshape(b, t, 3)
        ret_h = self.test_cfg.get('return_hypotheses', True)
        for i, ds in enumerate(data_samples):
            sq = (lambda v: v[0]) if t == 1 else (lambda v: v)  # noqa
            pred = InstanceData()
            pred.keypoints = sq(agg[i]).cpu().numpy()[None]
            pred.keypoint_scores = np.ones(pred.keypoints.shape[:-1],
                                           np.float32)
            pred.keypoint_spread = sq(spread[i]).cpu().numpy()[None]
            pred.translation = sq(trans[i]).cpu().numpy()[None]
            if ret_h:
                h = hyps[i].transpose(0, 1)  # (S, T, K, 3)
                r = reproj[i].transpose(0, 1)
                pred.hypotheses = (h[:, 0] if t == 1 else h).cpu().numpy()[
                    None]
                pred.hypotheses_reproj_error = (
                    r[:, 0] if t == 1 else r).cpu().numpy()[None]
            ds.pred_instances = pred
        if was_training:
            self.train()
        return data_samples
