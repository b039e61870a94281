"""Fit DiffPose's per-joint 2D error mixtures (``GMMPrior``) to detections.

Reads an MMPose Human3.6M annotation npz (``imgname``, ``part`` (N, 17, 3)
true 2D px + visibility) and a 2D detection file aligned row by row (MMPose's
``joint_2d_det_files`` ``.npy`` (N, 17, 3) px + score, or an ``.npz`` with
key ``part``). The residual ``detected - true`` is put in DiffPose's screen
units with each row's camera width (1 px = 2/w; camera parsed from the image
name as MMPose's ``Human36mDataset`` does, ``w`` from ``cameras.pkl``),
weighted by the true visibility, and fitted by EM per joint.

Writes OUT.npz (``GMMPrior.save``) and optionally, with ``--per-frame-out``,
the global mixture per frame in DiffPose's layout (N, 17, K, 5) ``[pi, mu_u,
mu_v, sigma_u, sigma_v]`` with mu in px, sigma in screen units (as the
original ``*_gmm.npz`` files): ``mu_k = detected - mean_k`` (where the true
position is given the detection), as
  rows        : ``gmm``, ``imgname``, ``row_index`` (into the annotation)
  videopose3d : ``positions_2d`` subject -> action -> 4 cameras (T, 17, K, 5)
                (DiffPose's files; needs every row, complete sequences).

Example (D = the output of tools/mocap_to_h36m.py):
  python tools/fit_gmm.py D/annotation_body3d/fps50/h36m_train.npz \\
      D/joint_2d_det_files/fps50/h36m_train_noisy.npy \\
      work_dirs/gmm/h36m_noisy_k3.npz --components 3 --max-rows 200000 \\
      --camera-param-file D/annotation_body3d/cameras.pkl
"""
import argparse
import os.path as osp
import sys
import time

import numpy as np
import torch

from poselift_mm.datasets.readers import (  # noqa: E402
    VIDEOPOSE3D_CAMERA_IDS, DataFileError, format_key, check_array,
    check_camera_table, load_npz, load_pickle, parse_h36m_imgnames,
    read_keypoint_detections)
from poselift_mm.geometry.screen import pixels_to_screen  # noqa: E402
from poselift_mm.models.priors.gmm import (  # noqa: E402
    GMMPrior, gmm_means_to_pixels)
from poselift_mm.utils.io import save_npz_atomic  # noqa: E402


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog='\n'.join(__doc__.splitlines()[2:]),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('ann_file', help='MMPose H36M annotation npz')
    p.add_argument('det_file', help='2D detections aligned with ann_file '
                   '(.npy (N, 17, 3) or .npz key part)')
    p.add_argument('out', help='output GMMPrior npz')
    p.add_argument('--camera-param-file', required=True,
                   help="MMPose's cameras.pkl (needs w, h per camera)")
    p.add_argument('--components', '-k', type=int, default=3,
                   help='mixture components K (default 3)')
    p.add_argument('--max-rows', type=int, default=None,
                   help='use this many rows, evenly spread over the file '
                   '(default all)')
    p.add_argument('--iters', type=int, default=100,
                   help='maximum EM iterations (default 100)')
    p.add_argument('--tol', type=float, default=1e-6,
                   help='EM stops when the mean log-likelihood of every '
                   'joint rises by less (default 1e-6)')
    p.add_argument('--min-sigma-px', type=float, default=0.05,
                   help='sigma floor in px at w = 1000 (default 0.05)')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--num-keypoints', type=int, default=17)
    p.add_argument('--per-frame-out', default=None,
                   help='also write the per-frame DiffPose layout here')
    p.add_argument('--per-frame-format', choices=('rows', 'videopose3d'),
                   default='rows')
    return p


def read_detections(path, num_rows: int, num_keypoints: int) -> np.ndarray:
    """(N, K, 3) px + score from MMPose's .npy or an .npz with key part."""
    if str(path).endswith('.npz'):
        raw = load_npz(path, ('part', ))
        det = check_array(raw['part'], path, format_key('part'),
                          (None, num_keypoints, 3), 1)
        if len(det) != num_rows:
            raise DataFileError(path, format_key('part'), f'{len(det)} detection '
                                f'rows but the annotation file has '
                                f'{num_rows} rows (row counts must match)')
        return det
    return read_keypoint_detections(path, num_rows, num_keypoints)


def camera_sizes(imgnames, cameras, ann_path, cam_path):
    """Per row (w, h) px of the camera named in the image name."""
    subj, _, cam = parse_h36m_imgnames(imgnames, ann_path)
    keys, inverse = np.unique(np.char.add(np.char.add(subj, '/'), cam),
                              return_inverse=True)
    pairs = [tuple(k.split('/')) for k in keys]
    check_camera_table(cameras, pairs, cam_path, need=('w', 'h'))
    sizes = np.array([[float(cameras[k]['w']), float(cameras[k]['h'])]
                      for k in pairs])
    return sizes[inverse, 0], sizes[inverse, 1]


def videopose3d_layout(gmm_px, imgnames, path):
    """Rows -> DiffPose's ``positions_2d`` dict subject -> action ->
    [4 cameras (T, K, C, 5)], actions named as VideoPose3D (' ' for '_')."""
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


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    if args.components < 1:
        raise SystemExit('--components must be >= 1')
    t0 = time.perf_counter()
    raw = load_npz(args.ann_file, ('imgname', 'part'))
    imgnames = np.asarray(raw['imgname']).astype(str)
    n_all, k = len(imgnames), args.num_keypoints
    part = check_array(raw['part'], args.ann_file, format_key('part'),
                       (n_all, k, 3), 1)
    det = read_detections(args.det_file, n_all, k)
    rows = np.arange(n_all)
    if args.max_rows is not None and args.max_rows < n_all:
        if args.max_rows < 1:
            raise SystemExit('--max-rows must be >= 1')
        rows = np.unique(np.linspace(0, n_all - 1, args.max_rows).round()
                         .astype(np.int64))
    imgnames, part, det = imgnames[rows], part[rows], det[rows]
    cameras = load_pickle(args.camera_param_file)
    w, h = camera_sizes(imgnames, cameras, args.ann_file,
                        args.camera_param_file)
    t_load = time.perf_counter() - t0

    res_px = det[..., :2] - part[..., :2]
    residual = res_px * (2. / w)[:, None, None]
    visible = (part[..., 2] > 0).astype(np.float64)
    t1 = time.perf_counter()
    prior = GMMPrior.fit_em(residual, args.components, iters=args.iters,
                            tol=args.tol, seed=args.seed,
                            min_sigma=args.min_sigma_px * 2. / 1000.,
                            sample_weights=visible)
    t_fit = time.perf_counter() - t1
    prior.save(args.out)

    px = float(np.median(w)) / 2.  # screen units -> px
    err_px = np.linalg.norm(res_px, axis=-1)
    mean_err = (err_px * visible).sum(0) / np.maximum(visible.sum(0), 1)
    print(f'rows used: {len(rows)} of {n_all}; load {t_load:.1f} s, EM '
          f'{t_fit:.1f} s ({prior.fit_info["iters"]} iterations)')
    print(f'wrote {args.out}')
    wts = prior.weights.double().numpy()
    means = prior.means.double().numpy() * px
    sig = prior.sigmas.double().numpy() * px
    print('joint  mean|res|px  weights | means px (u,v) | sigmas px (u,v)')
    for j in range(k):
        print(f'{j:5d} {mean_err[j]:11.2f}  ' +
              ' '.join(f'{x:.3f}' for x in wts[j]) + ' | ' +
              ' '.join(f'({a:+.2f},{b:+.2f})' for a, b in means[j]) + ' | ' +
              ' '.join(f'({a:.2f},{b:.2f})' for a, b in sig[j]))

    if args.per_frame_out:
        t2 = time.perf_counter()
        uv_det = pixels_to_screen(det[..., :2], w[:, None], h[:, None])
        gmm = prior.to_original_layout(torch.from_numpy(uv_det),
                                       'detected').numpy()
        gmm_px = gmm_means_to_pixels(gmm, w, h)
        if args.per_frame_format == 'rows':
            save_npz_atomic(args.per_frame_out,
                            gmm=gmm_px.astype(np.float32),
                            imgname=imgnames, row_index=rows)
        else:
            if len(rows) != n_all:
                raise SystemExit('--per-frame-format videopose3d needs every '
                                 'row (drop --max-rows)')
            positions = videopose3d_layout(gmm_px, imgnames, args.ann_file)
            meta = dict(num_joints=k, layout_name='h36m')
            if k == 17:  # VideoPose3D's Human3.6M left / right joints
                meta['keypoints_symmetry'] = [[4, 5, 6, 11, 12, 13],
                                              [1, 2, 3, 14, 15, 16]]
            save_npz_atomic(args.per_frame_out, positions_2d=positions,
                            metadata=meta)
        print(f'wrote {args.per_frame_out} ({args.per_frame_format}, '
              f'{gmm_px.shape}, {time.perf_counter() - t2:.1f} s)')
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main())
    except ValueError as e:  # bad input files: one clear line, no trace
        sys.exit(f'fit_gmm.py: error: {e}')
