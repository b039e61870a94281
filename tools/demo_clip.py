"""README main job: lift the bundled CMU clip with both released lifters.

    python tools/demo_clip.py [--clip demo/cmu_01_01_clip.npz]
        [--out-dir work_dirs/quickstart] [--show noisy|clean] [--no-render]

The clip (``tools/make_demo_clip.py``: CMU motion capture through the
project's converter and a pinhole camera) holds exact 2D projections, a
detector-like noisy copy with confidences, the 3D ground truth and the
intrinsics. Both 2D inputs are lifted by the committed checkpoints of ZeDO
(zero-shot optimisation; given the clip's f and c), frame DiffPose
(GCNPose + GCNdiff) and video DiffPose (MixSTE-27 + GCNdiff, offline
windows that see the true past and future). Runs offline on the CPU; needs
nothing outside the repository. Writes under ``--out-dir`` (atomically):

  results.json    per model and input: MPJPE / P-MPJPE (mm, root-aligned,
                  over all frames); per frame the 3D of every model and
                  the ground truth (root-relative camera-frame metres)
  comparison.png  3 frames x (2D input, each lifter against the ground
                  truth) and the per-frame MPJPE of every lifter
  demo.mp4        (demo.gif without an mp4 writer) the 2D input beside all
                  lifters and the ground truth in 3D, every 2nd frame
"""
import argparse
import json
import os
import os.path as osp
import sys
import time

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO)
sys.path.insert(0, osp.join(REPO, 'tools'))

import numpy as np  # noqa: E402

DEFAULT_CLIP = osp.join(REPO, 'demo', 'cmu_01_01_clip.npz')
# (name, config, checkpoint glob) of the released models, repo-relative
MODELS = (
    ('ZeDO', 'configs/zedo/zedo_prior-mlp512_h36m-mocap_cpu.py',
     'checkpoints/zedo/zedo_prior-mlp512_h36m-mocap_cpu-*.pth'),
    ('DiffPose frame', 'configs/diffpose/diffpose_gcndiff-gcnpose_'
     'h36m-mocap_cpu.py',
     'checkpoints/diffpose/diffpose_gcndiff-gcnpose_h36m-mocap_cpu-*.pth'),
    ('DiffPose video', 'configs/diffpose/diffpose_gcndiff-mixste_'
     'h36m-mocap-27f_cpu.py',
     'checkpoints/diffpose/diffpose_gcndiff-mixste_h36m-mocap-27f_cpu-'
     '*.pth'),
)
COLOURS = {'ground truth': (0.15, 0.15, 0.15), 'ZeDO': (0.84, 0.15, 0.16),
           'DiffPose frame': (0.12, 0.47, 0.71),
           'DiffPose video': (0.17, 0.63, 0.17)}
CLIP_KEYS = ('keypoints_2d', 'keypoints_2d_noisy', 'scores_noisy',
             'keypoints_3d', 'f', 'c', 'image_size', 'fps')


class ClipError(ValueError):
    pass


def load_clip(path: str) -> dict:
    """The clip's arrays, checked (ClipError names the file and key)."""
    if not osp.isfile(path):
        raise ClipError(f'{path}: clip file not found (the repository ships '
                        'demo/cmu_01_01_clip.npz; tools/make_demo_clip.py '
                        'makes one from a BVH file)')
    with np.load(path) as z:
        missing = [k for k in CLIP_KEYS if k not in z]
        if missing:
            raise ClipError(f'{path}: missing keys {missing}')
        clip = {k: z[k] for k in z.files}
    n = len(clip['keypoints_3d'])
    shapes = dict(keypoints_2d=(n, 17, 2), keypoints_2d_noisy=(n, 17, 2),
                  scores_noisy=(n, 17), keypoints_3d=(n, 17, 3))
    for key, shape in shapes.items():
        if clip[key].shape != shape:
            raise ClipError(f'{path}: {key} has shape {clip[key].shape}, '
                            f'expected {shape}')
        if not np.isfinite(clip[key]).all():
            raise ClipError(f'{path}: {key} has non-finite values')
    return clip


def resolve_models(repo: str = REPO):
    """[(name, config, checkpoint)] with the committed checkpoint files."""
    import glob
    out = []
    for name, cfg, pattern in MODELS:
        hits = sorted(glob.glob(osp.join(repo, pattern)))
        if not hits:
            raise ClipError(f'{name}: no checkpoint matches {pattern}')
        out.append((name, osp.join(repo, cfg), hits[-1]))
    return out


def root_aligned_errors(pred: np.ndarray, gt: np.ndarray) -> dict:
    """(N, 17, 3) m each -> per-frame MPJPE and P-MPJPE (N,) mm."""
    from poselift_mm.geometry import mpjpe, p_mpjpe, root_relative
    p, g = root_relative(pred, 0), root_relative(gt, 0)
    return dict(mpjpe=np.asarray(mpjpe(p, g)) * 1000.,
                p_mpjpe=np.asarray(p_mpjpe(p, g)) * 1000.)


def lift_clip(clip: dict, models, device: str = 'cpu', log=print) -> dict:
    """{input: {model: dict(keypoints_3d, spread, seconds, errors)}}."""
    from poselift_mm.apis import init_lifter, lift_keypoints
    size = tuple(float(v) for v in clip['image_size'])
    intr = dict(f=tuple(map(float, clip['f'])),
                c=tuple(map(float, clip['c'])))
    inputs = dict(clean=(clip['keypoints_2d'], None),
                  noisy=(clip['keypoints_2d_noisy'], clip['scores_noisy']))
    out = {k: {} for k in inputs}
    for name, cfg, ckpt in models:
        model = init_lifter(cfg, ckpt, device=device)
        for inp, (kp, sc) in inputs.items():
            t0 = time.perf_counter()
            res = lift_keypoints(kp, sc, model, image_size=size,
                                 intrinsics=intr, keypoint_format='h36m')
            sec = time.perf_counter() - t0
            err = root_aligned_errors(res['keypoints_3d'],
                                      clip['keypoints_3d'])
            out[inp][name] = dict(keypoints_3d=res['keypoints_3d'],
                                  spread=res['keypoint_spread'],
                                  seconds=sec, errors=err)
            log(f'[clip] {name:15s} {inp:5s} 2D: MPJPE '
                f'{err["mpjpe"].mean():6.1f} mm  P-MPJPE '
                f'{err["p_mpjpe"].mean():5.1f} mm  ({sec:.1f} s, '
                f'{len(kp) / sec:.0f} frames/s)')
        del model
    return out


def write_json(path: str, clip: dict, models, lifted: dict,
               clip_path: str) -> None:
    from poselift_mm.geometry.skeleton import H36M17_NAMES
    from poselift_mm.utils.io import atomic_path
    gt = clip['keypoints_3d'] - clip['keypoints_3d'][:, :1]
    metrics = {inp: {name: dict(MPJPE=round(float(r['errors']['mpjpe']
                                                   .mean()), 2),
                                P_MPJPE=round(float(r['errors']['p_mpjpe']
                                                    .mean()), 2),
                                seconds=round(r['seconds'], 3))
                     for name, r in res.items()}
               for inp, res in lifted.items()}
    frames = []
    for i in range(len(gt)):
        rec = dict(frame=int(i), ground_truth=np.round(gt[i], 5).tolist())
        for inp, res in lifted.items():
            rec[inp] = {name: dict(
                keypoints_3d=np.round(r['keypoints_3d'][i], 5).tolist(),
                keypoint_spread=np.round(r['spread'][i], 5).tolist(),
                mpjpe_mm=round(float(r['errors']['mpjpe'][i]), 2))
                for name, r in res.items()}
        frames.append(rec)
    doc = dict(
        meta=dict(clip=osp.relpath(clip_path, REPO) if clip_path.startswith(
            REPO) else clip_path, source=str(clip.get('source', '')),
            attribution=str(clip.get('attribution', '')),
            fps=float(clip['fps']), units='metres',
            frame='root-relative camera frame (x right, y down, z forward)',
            joint_names=list(H36M17_NAMES),
            models={name: dict(config=osp.relpath(cfg, REPO),
                               checkpoint=osp.relpath(ckpt, REPO))
                    for name, cfg, ckpt in models},
            errors='root-aligned, mean over frames and joints, mm'),
        metrics=metrics, frames=frames)
    with atomic_path(path) as tmp:
        with open(tmp, 'w') as f:
            json.dump(doc, f)


def _display(x: np.ndarray) -> np.ndarray:
    """Root-relative camera frame -> plot frame (x right, depth, up)."""
    return np.stack([x[..., 0], x[..., 2], -x[..., 1]], -1)


def _skeleton(ax, pose, colour, lw=2., ls='-', label=None):
    from demo import skeleton_edges
    d = _display(pose)
    for j, (a, b) in enumerate(skeleton_edges()):
        ax.plot(*zip(d[a], d[b]), color=colour, lw=lw, ls=ls,
                label=label if j == 0 else None)


def _setup3d(ax, title):
    ax.set_xlim(-0.9, 0.9)
    ax.set_ylim(-0.9, 0.9)
    ax.set_zlim(-1.0, 0.9)
    ax.set_box_aspect((1.8, 1.8, 1.9))
    ax.view_init(elev=12., azim=-65.)
    ax.set_xticklabels([])
    ax.set_yticklabels([])
    ax.set_zticklabels([])
    ax.set_title(title, fontsize=9)


def _draw2d(ax, kp, scores, size):
    from demo import skeleton_edges
    for a, b in skeleton_edges():
        ax.plot(*zip(kp[a], kp[b]), color=(0.3, 0.3, 0.3), lw=1.5)
    sc = np.ones(len(kp)) if scores is None else scores
    ax.scatter(kp[:, 0], kp[:, 1], c=sc, cmap='viridis', vmin=0, vmax=1,
               s=10, zorder=3)
    lo, hi = kp.min(0), kp.max(0)
    ctr, half = (lo + hi) / 2, 0.6 * max((hi - lo).max(), 200.)
    ax.set_xlim(ctr[0] - half, ctr[0] + half)
    ax.set_ylim(ctr[1] + half, ctr[1] - half)
    ax.set_aspect('equal')
    ax.set_xticks([])
    ax.set_yticks([])


def write_figure(path: str, clip: dict, lifted: dict, show: str) -> None:
    import matplotlib
    matplotlib.use('Agg', force=False)
    from matplotlib.figure import Figure

    from poselift_mm.utils.io import atomic_path
    res = lifted[show]
    names = list(res)
    kp = clip['keypoints_2d_noisy' if show == 'noisy' else 'keypoints_2d']
    sc = clip['scores_noisy'] if show == 'noisy' else None
    n = len(kp)
    picks = np.linspace(0, n - 1, 3).round().astype(int)
    cols = 1 + len(names)
    fig = Figure(figsize=(3.2 * cols, 3.1 * 3 + 2.6), dpi=90)
    grid = fig.add_gridspec(4, cols, height_ratios=[1, 1, 1, 0.8])
    for r, i in enumerate(picks):
        ax = fig.add_subplot(grid[r, 0])
        _draw2d(ax, kp[i], None if sc is None else sc[i], clip['image_size'])
        ax.set_title(f'frame {i}: {show} 2D input', fontsize=9)
        for c, name in enumerate(names, start=1):
            ax = fig.add_subplot(grid[r, c], projection='3d')
            _skeleton(ax, clip['keypoints_3d'][i] - clip['keypoints_3d'][i,
                                                                         :1],
                      COLOURS['ground truth'], lw=1.5, ls='--',
                      label='ground truth')
            _skeleton(ax, res[name]['keypoints_3d'][i], COLOURS[name],
                      label=name)
            _setup3d(ax, f'{name}: {res[name]["errors"]["mpjpe"][i]:.0f} mm')
            if r == 0:
                ax.legend(loc='upper left', fontsize=7)
    ax = fig.add_subplot(grid[3, :])
    t = np.arange(n) / float(clip['fps'])
    for name in names:
        e = res[name]['errors']['mpjpe']
        ax.plot(t, e, color=COLOURS[name],
                label=f'{name}: mean {e.mean():.1f} mm')
    ax.set_xlabel('time (s)')
    ax.set_ylabel('MPJPE (mm)')
    ax.set_ylim(0, None)
    ax.legend(fontsize=8, loc='upper right')
    ax.grid(alpha=0.3)
    fig.suptitle(f'CMU clip ({clip.get("source", "")}) lifted from '
                 f'{show} 2D: each lifter (solid) vs ground truth (dashed)',
                 fontsize=10)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format='png')


def write_animation(out_dir: str, clip: dict, lifted: dict, show: str,
                    step: int = 2) -> str:
    import matplotlib
    matplotlib.use('Agg', force=False)
    from demo import AnimationWriter, mp4_writer_works
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    res = lifted[show]
    kp = clip['keypoints_2d_noisy' if show == 'noisy' else 'keypoints_2d']
    sc = clip['scores_noisy'] if show == 'noisy' else None
    gt = clip['keypoints_3d'] - clip['keypoints_3d'][:, :1]
    gif = not mp4_writer_works()
    path = osp.join(out_dir, 'demo.gif' if gif else 'demo.mp4')
    tmp = path + ('.tmp.gif' if gif else '.tmp.mp4')
    writer = AnimationWriter(tmp, float(clip['fps']) / step, gif)
    fig = Figure(figsize=(9.0, 4.5), dpi=80)
    canvas = FigureCanvasAgg(fig)
    try:
        for i in range(0, len(kp), step):
            fig.clear()
            ax = fig.add_axes((0.03, 0.06, 0.36, 0.84))
            _draw2d(ax, kp[i], None if sc is None else sc[i],
                    clip['image_size'])
            ax.set_title(f'{show} 2D input, frame {i}', fontsize=9)
            ax = fig.add_axes((0.36, -0.04, 0.66, 1.06), projection='3d')
            _skeleton(ax, gt[i], COLOURS['ground truth'], lw=1.5, ls='--',
                      label='ground truth')
            for name, r in res.items():
                _skeleton(ax, r['keypoints_3d'][i], COLOURS[name],
                          label=f'{name} {r["errors"]["mpjpe"][i]:.0f} mm')
            _setup3d(ax, '')
            fig.legend(loc='upper right', fontsize=8, ncol=2)
            canvas.draw()
            writer.add(np.asarray(canvas.buffer_rgba())[..., :3].copy())
        writer.close()
        os.replace(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
    return path


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--clip', default=DEFAULT_CLIP)
    p.add_argument('--out-dir', default=osp.join(REPO, 'work_dirs',
                                                 'quickstart'))
    p.add_argument('--show', choices=('noisy', 'clean'), default='noisy',
                   help='which 2D input the figure and animation show')
    p.add_argument('--no-render', action='store_true',
                   help='results.json only')
    p.add_argument('--device', default=None)
    p.add_argument('--threads', type=int, default=None)
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    t0 = time.perf_counter()
    if args.threads:
        import torch
        torch.set_num_threads(args.threads)
    try:
        clip = load_clip(args.clip)
        models = resolve_models()
    except ClipError as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    os.makedirs(args.out_dir, exist_ok=True)
    print(f'[clip] {args.clip}: {len(clip["keypoints_3d"])} frames, '
          f'{clip.get("source", "")}')
    lifted = lift_clip(clip, models, device=args.device)
    out = osp.join(args.out_dir, 'results.json')
    write_json(out, clip, models, lifted, args.clip)
    written = [out]
    if not args.no_render:
        fig = osp.join(args.out_dir, 'comparison.png')
        write_figure(fig, clip, lifted, args.show)
        written += [fig, write_animation(args.out_dir, clip, lifted,
                                         args.show)]
    print(f'[clip] done in {time.perf_counter() - t0:.0f} s; wrote')
    for w in written:
        print(f'    {w}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
