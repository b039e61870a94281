"""DiffPose's per-joint 2D error mixtures (:class:`GMMPrior`) fitted to the
detections of a Human3.6M-format set (``tools/fit_gmm.py``).

Inputs: MMPose's annotation npz (``imgname``, ``part`` (N, K, 3) true px +
visibility), a detection file aligned row by row (MMPose's
``joint_2d_det_files`` ``.npy`` (N, K, 3) px + score, or an ``.npz`` with
key ``part``) and MMPose's ``cameras.pkl`` (``w``, ``h`` of the camera that
each image name names, parsed as MMPose's ``Human36mDataset`` does).

The residual ``detected - true`` goes into DiffPose's screen units with each
row's own camera width: ``u = 2x/w - 1``, ``v = 2y/w - h/w``, so 1 px = 2/w
(VideoPose3D's ``normalize_screen_coordinates``, which DiffPose's
``common/camera.py`` keeps; :mod:`poselift_mm.geometry.screen`). It is
weighted by the true visibility and fitted per joint by EM
(:meth:`GMMPrior.fit_em`, :func:`poselift_mm.stats.gmm_em.fit_diag_gmm`).

The per-frame output is DiffPose's layout (N, K, C, 5) ``[pi, mu_u, mu_v,
sigma_u, sigma_v]`` (GONGJIA0208/Diffpose ``common/generators.py``): mu in
px, sigma in screen units, ``mu_c = detected - mean_c`` (the true position
given the detection), as rows (``gmm``, ``imgname``, ``row_index``) or as
VideoPose3D's ``positions_2d`` (subject -> action -> 4 cameras (T, K, C, 5),
DiffPose's files). Bad options exit (``SystemExit``) with the tool's
messages, as the tool did.
"""
import time

import numpy as np
import torch

from poselift_mm.datasets.readers import (
    VIDEOPOSE3D_CAMERA_IDS, DataFileError, check_array, check_camera_table,
    format_key, load_npz, load_pickle, parse_h36m_imgnames,
    read_keypoint_detections)
from poselift_mm.geometry.screen import pixels_to_screen
from poselift_mm.models.priors.gmm import GMMPrior, gmm_means_to_pixels
from poselift_mm.utils.io import save_npz_atomic

__all__ = ['PER_FRAME_FORMATS', 'read_detections', 'camera_sizes',
           'spread_rows', 'read_residuals', 'joint_table',
           'videopose3d_layout', 'save_per_frame', 'fit_gmm_files']

PER_FRAME_FORMATS = ('rows', 'videopose3d')
# VideoPose3D's Human3.6M-17 (left, right) joints, its files' metadata
H36M17_KEYPOINTS_SYMMETRY = [[4, 5, 6, 11, 12, 13], [1, 2, 3, 14, 15, 16]]


def read_detections(path, num_rows: int, num_keypoints: int) -> np.ndarray:
    """(N, K, 3) px + score from MMPose's .npy or an .npz with key part."""
    if str(path).endswith('.npz'):
        raw = load_npz(path, ('part', ))
        det = check_array(raw['part'], path, format_key('part'),
                          (None, num_keypoints, 3), 1)
        if len(det) != num_rows:
            raise DataFileError(path, format_key('part'), f'{len(det)} '
                                'detection rows but the annotation file has '
                                f'{num_rows} rows (row counts must match)')
        return det
    return read_keypoint_detections(path, num_rows, num_keypoints)


def camera_sizes(imgnames, cameras, ann_path, cam_path):
    """(N,) image names -> per row (w (N,), h (N,)) px of the camera that
    the name names, from MMPose's ``cameras.pkl`` dict."""
    subj, _, cam = parse_h36m_imgnames(imgnames, ann_path)
    keys, inverse = np.unique(np.char.add(np.char.add(subj, '/'), cam),
                              return_inverse=True)
    pairs = [tuple(k.split('/')) for k in keys]
    check_camera_table(cameras, pairs, cam_path, need=('w', 'h'))
    sizes = np.array([[float(cameras[k]['w']), float(cameras[k]['h'])]
                      for k in pairs])
    return sizes[inverse, 0], sizes[inverse, 1]


def spread_rows(num_rows: int, max_rows=None) -> np.ndarray:
    """Row indices (M,): all N, or ``max_rows`` evenly spread over them
    (first and last included)."""
    rows = np.arange(num_rows)
    if max_rows is not None and max_rows < num_rows:
        if max_rows < 1:
            raise SystemExit('--max-rows must be >= 1')
        rows = np.unique(np.linspace(0, num_rows - 1, max_rows).round()
                         .astype(np.int64))
    return rows


def read_residuals(ann_file, det_file, camera_param_file,
                   num_keypoints: int = 17, max_rows=None) -> dict:
    """The rows to fit: ``imgname`` (M,), ``part`` (M, K, 3), ``det``
    (M, K, 3), ``rows`` (M,) into the N of the annotation, ``num_rows`` N,
    camera ``w``, ``h`` (M,) px, ``res_px`` (M, K, 2) = det - true px,
    ``visible`` (M, K) 0/1 from the true visibility."""
    raw = load_npz(ann_file, ('imgname', 'part'))
    imgnames = np.asarray(raw['imgname']).astype(str)
    n_all = len(imgnames)
    part = check_array(raw['part'], ann_file, format_key('part'),
                       (n_all, num_keypoints, 3), 1)
    det = read_detections(det_file, n_all, num_keypoints)
    rows = spread_rows(n_all, max_rows)
    imgnames, part, det = imgnames[rows], part[rows], det[rows]
    cameras = load_pickle(camera_param_file)
    w, h = camera_sizes(imgnames, cameras, ann_file, camera_param_file)
    return dict(imgname=imgnames, part=part, det=det, rows=rows,
                num_rows=n_all, w=w, h=h,
                res_px=det[..., :2] - part[..., :2],
                visible=(part[..., 2] > 0).astype(np.float64))


def joint_table(prior: GMMPrior, data: dict) -> list:
    """Printable lines, one per joint: the visible rows' mean |residual| px
    and the mixture (weights, means and sigmas in px at the median camera
    width: screen units * w / 2)."""
    px = float(np.median(data['w'])) / 2.  # screen units -> px
    vis = data['visible']
    err_px = np.linalg.norm(data['res_px'], axis=-1)
    mean_err = (err_px * vis).sum(0) / np.maximum(vis.sum(0), 1)
    wts = prior.weights.double().numpy()
    means = prior.means.double().numpy() * px
    sig = prior.sigmas.double().numpy() * px
    lines = ['joint  mean|res|px  weights | means px (u,v) | sigmas px (u,v)']
    for j in range(len(wts)):
        lines.append(
            f'{j:5d} {mean_err[j]:11.2f}  ' +
            ' '.join(f'{x:.3f}' for x in wts[j]) + ' | ' +
            ' '.join(f'({a:+.2f},{b:+.2f})' for a, b in means[j]) + ' | ' +
            ' '.join(f'({a:.2f},{b:.2f})' for a, b in sig[j]))
    return lines


def videopose3d_layout(gmm_px, imgnames, path):
    """Rows (N, K, C, 5) -> DiffPose's ``positions_2d`` dict subject ->
    action -> [4 cameras (T, K, C, 5)], actions named as VideoPose3D (' '
    for '_'); every video must have frames 1..T and all 4 cameras."""
    subj, action, cam = parse_h36m_imgnames(imgnames, path)
    base = np.char.rpartition(np.asarray(imgnames).astype(str), '_')[..., 2]
    frame = np.char.partition(base, '.')[..., 0].astype(np.int64)
    seq = np.char.add(np.char.add(np.char.add(subj, '/'), action), '/')
    seq_cam = np.char.add(seq, cam)
    order = np.lexsort((frame, seq_cam))
    keys, starts = np.unique(seq_cam[order], return_index=True)
    ends = np.append(starts[1:], len(order))
    videos = {}
    for key, s, e in zip(keys, starts, ends):
        sub, act, cid = key.split('/')
        rows = order[s:e]
        if not np.array_equal(frame[rows], np.arange(1, e - s + 1)):
            raise ValueError(
                f'{path}: key imgname: frames of {sub} {act} camera {cid} '
                'are not 1..T without gaps (use --per-frame-format rows, '
                'and no --max-rows, for videopose3d output)')
        videos.setdefault((sub, act), {})[cid] = gmm_px[rows]
    out = {}
    for (sub, act), cams in videos.items():
        missing = [c for c in VIDEOPOSE3D_CAMERA_IDS if c not in cams]
        if missing:
            raise ValueError(f'{path}: key imgname: {sub} {act} lacks '
                             f'cameras {missing} (videopose3d output needs '
                             f'all of {list(VIDEOPOSE3D_CAMERA_IDS)})')
        out.setdefault(sub, {})[act.replace('_', ' ')] = [
            cams[c].astype(np.float32) for c in VIDEOPOSE3D_CAMERA_IDS]
    return out


def save_per_frame(path, per_frame_format: str, prior: GMMPrior,
                   data: dict, ann_file) -> tuple:
    """Write the global mixture for every row in DiffPose's per-frame
    layout (module docstring) -> its shape (M, K, C, 5)."""
    if per_frame_format == 'videopose3d' and \
            len(data['rows']) != data['num_rows']:
        raise SystemExit('--per-frame-format videopose3d needs every '
                         'row (drop --max-rows)')
    w, h = data['w'], data['h']
    uv_det = pixels_to_screen(data['det'][..., :2], w[:, None], h[:, None])
    gmm = prior.to_original_layout(torch.from_numpy(uv_det),
                                   'detected').numpy()
    gmm_px = gmm_means_to_pixels(gmm, w, h)
    if per_frame_format == 'rows':
        save_npz_atomic(path, gmm=gmm_px.astype(np.float32),
                        imgname=data['imgname'], row_index=data['rows'])
        return gmm_px.shape
    num_joints = gmm_px.shape[1]
    positions = videopose3d_layout(gmm_px, data['imgname'], ann_file)
    meta = dict(num_joints=num_joints, layout_name='h36m')
    if num_joints == 17:
        meta['keypoints_symmetry'] = H36M17_KEYPOINTS_SYMMETRY
    save_npz_atomic(path, positions_2d=positions, metadata=meta)
    return gmm_px.shape


def fit_gmm_files(ann_file, det_file, out, camera_param_file,
                  components: int = 3, max_rows=None, iters: int = 100,
                  tol: float = 1e-6, min_sigma_px: float = 0.05,
                  seed: int = 0, num_keypoints: int = 17,
                  per_frame_out=None, per_frame_format: str = 'rows',
                  log=print) -> GMMPrior:
    """Fit, save ``out`` (:meth:`GMMPrior.save`), log the joint table and,
    with ``per_frame_out``, write the per-frame layout. ``min_sigma_px``:
    the sigma floor in px at w = 1000 (screen units: * 2 / 1000)."""
    if components < 1:
        raise SystemExit('--components must be >= 1')
    t0 = time.perf_counter()
    data = read_residuals(ann_file, det_file, camera_param_file,
                          num_keypoints, max_rows)
    t_load = time.perf_counter() - t0
    residual = data['res_px'] * (2. / data['w'])[:, None, None]
    t1 = time.perf_counter()
    prior = GMMPrior.fit_em(residual, components, iters=iters, tol=tol,
                            seed=seed, min_sigma=min_sigma_px * 2. / 1000.,
                            sample_weights=data['visible'])
    t_fit = time.perf_counter() - t1
    prior.save(out)
    log(f'rows used: {len(data["rows"])} of {data["num_rows"]}; load '
        f'{t_load:.1f} s, EM {t_fit:.1f} s ({prior.fit_info["iters"]} '
        'iterations)')
    log(f'wrote {out}')
    for line in joint_table(prior, data):
        log(line)
    if per_frame_out:
        t2 = time.perf_counter()
        shape = save_per_frame(per_frame_out, per_frame_format, prior, data,
                               ann_file)
        log(f'wrote {per_frame_out} ({per_frame_format}, {shape}, '
            f'{time.perf_counter() - t2:.1f} s)')
    return prior
