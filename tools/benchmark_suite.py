"""The benchmark suite behind ``python tools/benchmark.py --suite``.

One command measures every table and plot of ``docs/benchmarks.md``:

* accuracy: every model (MMPose's SimpleBaseline3D and VideoPose3D 1/27
  frames as peers, trained by our configs on the same data; DiffPose frame
  and video; ZeDO in several settings) on S8 with GT and noisy 2D and on
  the CMU cross-dataset set, through ``tools/test.py``'s runner (MPJPE /
  P-MPJPE / N-MPJPE averaged over actions, per action, and for
  multi-hypothesis models the deployable aggregate and the oracle best-of-H
  in separate columns), with the test loop's own throughput;
* speed: poses/s and latency of the models' lifting step on synthetic
  input, over batch size, sampling steps / iterations, hypotheses and
  window length; peak RSS; FLOPs of a call (``torch.utils.flop_counter``)
  against the machine's measured matmul rate; fitted cost growth.

Each job runs in its own process (its peak RSS is its own) and its result
is appended to ``RESULTS_DIR/results.jsonl`` as soon as it finishes:
a rerun skips finished jobs (resume), ``--force`` reruns them. Missing
peer checkpoints are trained first with ``tools/train.py`` (skipped by
``--quick``). ``--quick``: every test set 10x sparser, the smallest
sweeps; it finishes in minutes. Data: ``bash tools/prepare_mocap_data.sh``.
"""
import glob
import json
import math
import os
import os.path as osp
import re
import resource
import statistics
import subprocess
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)

# ---------------------------------------------------------------- the sets
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
# stride of the test samples per set and kind of model (frames or windows)
STRIDES = {'frame': dict(s8_gt=20, s8_noisy=20, cmu_gt=20),
           'zedo': dict(s8_gt=200, s8_noisy=200, cmu_gt=20),
           'zedo_slow': dict(s8_gt=400, s8_noisy=400, cmu_gt=40),
           'window': dict(s8_gt=4, s8_noisy=4, cmu_gt=1)}

D = 'configs/diffpose/'
Z = 'configs/zedo/'
B = 'configs/baselines/'
# name, config, checkpoint (glob; 'train' = work_dirs/<config>/best*.pth,
# trained by the suite when missing), stride kind, extra cfg options,
# peer?, group (for the plots)
MODELS = [
    ('SimpleBaseline3D (MMPose)', B + 'simplebaseline3d_h36m-mocap_cpu.py',
     'train', 'frame', {}, True),
    ('VideoPose3D 1 frame (MMPose)',
     B + 'videopose3d_tcn-1frm_h36m-mocap_cpu.py', 'train', 'frame', {},
     True),
    ('VideoPose3D 27 frames (MMPose)',
     B + 'videopose3d_tcn-27frm_h36m-mocap_cpu.py', 'train', 'frame', {},
     True),
    ('DiffPose frame', D + 'diffpose_gcndiff-gcnpose_h36m-mocap_cpu.py',
     'checkpoints/diffpose/diffpose_gcndiff-gcnpose_h36m-mocap_cpu-*.pth',
     'frame', {}, False),
    ('DiffPose frame, 20 hyp.', D + 'diffpose_gcndiff-gcnpose_h36m-mocap_'
     'cpu_det2d_hyp20.py',
     'checkpoints/diffpose/diffpose_gcndiff-gcnpose_h36m-mocap_cpu-*.pth',
     'zedo', {}, False),
    ('DiffPose video 27f', D + 'diffpose_gcndiff-mixste_h36m-mocap-27f_'
     'cpu.py', 'checkpoints/diffpose/diffpose_gcndiff-mixste_h36m-mocap-27f_'
     'cpu-*.pth', 'window', {}, False),
    ('DiffPose video 27f causal', D + 'diffpose_gcndiff-mixste_h36m-mocap-'
     '27f_cpu_causal.py', 'checkpoints/diffpose/diffpose_gcndiff-mixste_'
     'h36m-mocap-27f_cpu-*.pth', 'zedo', {}, False),
    ('ZeDO (zero-shot), OIL 50', Z + 'zedo_prior-mlp512_h36m-mocap_cpu.py',
     'checkpoints/zedo/zedo_prior-mlp512_h36m-mocap_cpu-*.pth', 'zedo', {},
     False),
    ('ZeDO (zero-shot), OIL 20', Z + 'zedo_prior-mlp512_h36m-mocap_cpu.py',
     'checkpoints/zedo/zedo_prior-mlp512_h36m-mocap_cpu-*.pth', 'zedo',
     {'model.test_cfg.oil.iters': 20}, False),
    ('ZeDO (zero-shot), exact', Z + 'zedo_prior-mlp512_h36m-mocap_cpu_'
     'exact.py', 'checkpoints/zedo/zedo_prior-mlp512_h36m-mocap_cpu-*.pth',
     'zedo', {}, False),
    ('ZeDO (zero-shot), 10 hyp.', Z + 'zedo_prior-mlp512_h36m-mocap_cpu_'
     'hyp10.py', 'checkpoints/zedo/zedo_prior-mlp512_h36m-mocap_cpu-*.pth',
     'zedo_slow', {}, False),
]
METRICS = ('MPJPE', 'P-MPJPE', 'N-MPJPE')
# --quick tests these on every set, the others on S8 GT only
QUICK_ALL_SETS = ('VideoPose3D 27 frames (MMPose)', 'DiffPose video 27f',
                  'ZeDO (zero-shot), OIL 50')


def slug(text: str) -> str:
    return ''.join(c if c.isalnum() else '-' for c in text.lower()).strip('-')


def checkpoint_of(cfg: str, pattern: str):
    if pattern == 'train':
        name = osp.splitext(osp.basename(cfg))[0]
        hits = sorted(glob.glob(osp.join(ROOT, 'work_dirs', name,
                                         'best*.pth')))
    else:
        hits = sorted(glob.glob(osp.join(ROOT, pattern)))
    return hits[-1] if hits else None


def training_seconds(cfg: str):
    """Wall time of the newest training log of ``cfg``'s work_dir (first to
    last timestamp), or None."""
    name = osp.splitext(osp.basename(cfg))[0]
    logs = sorted(glob.glob(osp.join(ROOT, 'work_dirs', name, '*', '*.log')))
    stamp = re.compile(r'^(\d{4}/)?(\d\d/\d\d \d\d:\d\d:\d\d) - mmengine')
    for path in reversed(logs):
        with open(path) as f:
            text = f.read()
        if 'Epoch(train)' not in text:
            continue
        found = [m for m in map(stamp.match, text.splitlines()) if m]
        if len(found) > 1:
            t = [time.strptime((m.group(1) or '2000/') + m.group(2),
                               '%Y/%m/%d %H:%M:%S')
                 for m in (found[0], found[-1])]
            return time.mktime(t[1]) - time.mktime(t[0])
    return None


# ---------------------------------------------------------------- jobs
def accuracy_jobs(quick: bool):
    jobs = []
    for name, cfg, ck, kind, extra, peer in MODELS:
        for set_id, s in SETS.items():
            if quick and set_id != 's8_gt' and name not in QUICK_ALL_SETS:
                continue
            stride = STRIDES[kind][set_id] * (10 if quick else 1)
            opts = {f'test_dataloader.dataset.{k}': v
                    for k, v in s.items() if k != 'label'}
            if s['keypoint_2d_src'] == 'gt':
                opts['test_dataloader.dataset.keypoint_2d_det_file'] = None
            opts['test_dataloader.dataset.camera_param_file'] = \
                'annotation_body3d/cameras.pkl'
            opts['test_dataloader.dataset.sample_stride'] = stride
            opts.update(extra)
            jobs.append(dict(kind='accuracy', id=f'acc/{slug(name)}/{set_id}'
                             f'/{stride}', model=name, config=cfg,
                             checkpoint=ck, set=set_id, stride=stride,
                             peer=peer, options=opts))
    return jobs


def speed_jobs(quick: bool):
    """Synthetic-input timing jobs: (model, variable, values, fixed)."""
    batches = [1, 64] if quick else [1, 64, 1024]
    jobs = [dict(kind='speed', id='speed/matmul', what='matmul')]
    specs = [
        ('DiffPose frame', 'batch', batches, {}),
        ('DiffPose frame', 'steps', [1, 2, 5] if quick else [1, 2, 5, 10,
                                                               25], {}),
        ('DiffPose frame', 'hypotheses', [1, 5] if quick else [1, 5, 20],
         {}),
        ('DiffPose video 27f', 'batch', [1, 16] if quick else [1, 16, 64],
         {}),
        ('DiffPose video 27f', 'window', [9, 27] if quick else
         [9, 27, 81, 243], {}),
        ('DiffPose video 27f', 'hypotheses', [1, 5] if quick else
         [1, 5, 20], {}),
        ('ZeDO (zero-shot), OIL 50', 'batch', batches, {}),
        ('ZeDO (zero-shot), OIL 50', 'iterations', [20, 50] if quick else
         [20, 50, 200, 1000], {}),
        ('ZeDO (zero-shot), OIL 50', 'hypotheses', [1, 5] if quick else
         [1, 5, 10], {}),
        ('SimpleBaseline3D (MMPose)', 'batch', batches, {}),
        ('VideoPose3D 1 frame (MMPose)', 'batch', batches, {}),
        ('VideoPose3D 27 frames (MMPose)', 'batch', batches, {}),
        ('VideoPose3D 27 frames (MMPose)', 'window', [27, 81] if quick else
         [27, 81, 243], {}),
    ]
    for model, var, values, fixed in specs:
        # one process per sweep: the model is built once; peak RSS is the
        # sweep's
        jobs.append(dict(kind='speed', id=f'speed/{slug(model)}/{var}/'
                         + ','.join(map(str, values)), model=model,
                         variable=var, values=values,
                         repeats=3 if quick else 5))
    return jobs


def train_jobs(quick: bool):
    if quick:
        return []
    out = []
    for name, cfg, ck, _, _, peer in MODELS:
        if ck == 'train':
            out.append(dict(kind='train', id=f'train/{slug(name)}',
                            model=name, config=cfg))
    return out


# ---------------------------------------------------------------- runners
def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.


def run_accuracy(job: dict) -> dict:
    from benchmark import timed_test_run
    ck = checkpoint_of(job['config'], job['checkpoint'])
    if ck is None:
        return dict(skipped=f"no checkpoint for {job['model']} (pattern "
                    f"{job['checkpoint']}; the full suite trains peers)")
    res = timed_test_run(osp.join(ROOT, job['config']), ck, job['options'])
    sec = res['seconds']
    return dict(samples=res['samples'], frames=res['frames'],
                seconds=round(sec, 2),
                frames_per_s=round(res['frames'] / sec, 2),
                checkpoint=osp.relpath(ck, ROOT),
                peak_rss_mib=round(res['peak_rss_mib']),
                metrics=res['metrics'])


def _timed(fn, repeats: int):
    """(best, median) seconds of ``repeats`` calls after two warm-ups. The
    best is reported: on this shared 2-core VM single calls of the same
    setting vary by up to 2x (other processes, frequency), the minimum is
    the stable figure."""
    fn()  # warm-up (allocations, oneDNN kernels)
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times)


def _flops(fn) -> float:
    from torch.utils.flop_counter import FlopCounterMode
    with FlopCounterMode(display=False) as counter:
        fn()
    return float(counter.get_total_flops())


def _model(name: str, variable: str, value):
    """(model, make_call(batch) -> (fn, poses)) for a speed job."""
    import numpy as np
    import torch

    from poselift_mm.apis import init_lifter
    (entry, ) = [m for m in MODELS if m[0] == name]
    _, cfg, ck, _, _, _ = entry
    opts = {}
    ckpt = checkpoint_of(cfg, ck)
    if 'DiffPose' in name:
        if variable == 'steps':
            ts = np.unique(np.linspace(0, 50, int(value)).round()).astype(
                int).tolist()
            opts['model.test_cfg.timesteps'] = tuple(ts)
        if variable == 'hypotheses':
            opts['model.test_cfg.num_hypotheses'] = int(value)
            opts['model.test_cfg.start_noise'] = int(value) > 1
        if variable == 'window':
            opts['model.backbone.num_frames'] = int(value)
            ckpt = None  # other window length: random weights (timing only)
    if 'ZeDO' in name:
        if variable == 'iterations':
            opts['model.test_cfg.oil.iters'] = int(value)
        if variable == 'hypotheses':
            opts['model.init_poses.num'] = int(value)
    if 'VideoPose3D 27' in name and variable == 'window':
        # receptive field 3^(blocks+1): 27 = 2 blocks, 81 = 3, 243 = 4
        blocks = int(round(math.log(int(value), 3))) - 1
        opts['model.backbone.num_blocks'] = blocks
        opts['model.backbone.kernel_sizes'] = (3, ) * (blocks + 1)
        ckpt = None
    os.chdir(ROOT)  # configs name repository files relatively
    model = init_lifter(osp.join(ROOT, cfg), ckpt, device='cpu',
                        cfg_options=opts)
    torch.manual_seed(0)
    k = 17

    def make(batch: int):
        if 'ZeDO' in name:
            uv = torch.rand(batch, k, 2) * 300 + 350
            conf = torch.ones(batch, k)
            f = torch.full((batch, 2), 1145.)
            c = torch.full((batch, 2), 500.)
            return (lambda: model.lift(uv, conf, f, c)), batch
        if 'DiffPose' in name:
            t = model.num_frames or 1
            uv = torch.rand(batch, t, k, 2) * 0.6 - 0.3
            scores = torch.ones(batch, t, k)
            return (lambda: model.lift(uv, scores)), batch * t
        # MMPose PoseLifter: backbone + head on (B, 2K, T)
        t = 1
        if 'VideoPose3D 27' in name:
            t = 3 ** (len(model.cfg.model.backbone.kernel_sizes))
        x = torch.rand(batch, 2 * k, t)
        return (lambda: model.head(model.backbone(x))), batch
    return model, make


def run_speed(job: dict) -> dict:
    import torch
    torch.set_grad_enabled(False)
    if job.get('what') == 'matmul':
        n = 2048
        a, b = torch.rand(n, n), torch.rand(n, n)
        sec, med = _timed(lambda: a @ b, 5)
        return dict(gflops=round(2 * n**3 / sec / 1e9, 1),
                    seconds=round(sec, 4), seconds_median=round(med, 4),
                    threads=torch.get_num_threads())
    points = []
    model = None
    for value in job['values']:
        if model is None or job['variable'] in ('steps', 'hypotheses',
                                                'window', 'iterations'):
            model, make = _model(job['model'], job['variable'], value)
        batch = int(value) if job['variable'] == 'batch' else (
            4 if 'video' in job['model'] else 64)
        fn, poses = make(batch)
        sec, med = _timed(fn, int(job.get('repeats', 3)))
        flops = _flops(fn)
        points.append(dict(value=value, batch=batch, poses=poses,
                           seconds=round(sec, 5),
                           seconds_median=round(med, 5),
                           poses_per_s=round(poses / sec, 1),
                           latency_ms=round(sec * 1000., 2), flops=flops,
                           gflops_per_s=round(flops / sec / 1e9, 2)))
    return dict(points=points, peak_rss_mib=round(_peak_rss_mib()))


def run_train(job: dict) -> dict:
    name = osp.splitext(osp.basename(job['config']))[0]
    if checkpoint_of(job['config'], 'train'):
        return dict(existing=True, seconds=training_seconds(job['config']))
    t0 = time.time()
    proc = subprocess.run(
        [sys.executable, osp.join(ROOT, 'tools/train.py'),
         osp.join(ROOT, job['config']), '--work-dir',
         osp.join(ROOT, 'work_dirs', name)], cwd=ROOT,
        capture_output=True, text=True)
    if proc.returncode:
        raise RuntimeError(f"training {job['config']} failed:\n"
                           f'{proc.stderr[-2000:]}')
    return dict(existing=False, seconds=round(time.time() - t0))


def run_job_here(job: dict) -> dict:
    runner = dict(accuracy=run_accuracy, speed=run_speed,
                  train=run_train)[job['kind']]
    return runner(job)


# ---------------------------------------------------------------- driver
def load_results(path: str) -> dict:
    out = {}
    if osp.isfile(path):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line:
                    rec = json.loads(line)
                    out[rec['id']] = rec
    return out


def append_result(path: str, rec: dict) -> None:
    """One JSON line, flushed and fsynced: an interrupted suite keeps every
    finished job."""
    os.makedirs(osp.dirname(path) or '.', exist_ok=True)
    with open(path, 'a') as f:
        f.write(json.dumps(rec) + '\n')
        f.flush()
        os.fsync(f.fileno())


def run_suite(results_dir: str, quick: bool = False, force: bool = False,
              only=None, docs: str = None, log=print) -> dict:
    from tqdm import tqdm
    path = osp.join(results_dir, 'quick.jsonl' if quick else
                    'results.jsonl')
    jobs = train_jobs(quick) + accuracy_jobs(quick) + speed_jobs(quick)
    selected = [j for j in jobs if not only or any(o in j['id']
                                                   for o in only)]
    chosen = {j['id'] for j in selected}
    # finished jobs are kept (--force: rerun the selected ones); failed
    # ones are run again
    done = {k: v for k, v in load_results(path).items()
            if 'result' in v and not (force and k in chosen)}
    todo = [j for j in selected if j['id'] not in done]
    log(f'[bench] {len(selected)} jobs, {len(selected) - len(todo)} already '
        'done '
        f'({path}), {len(todo)} to run')
    bar = tqdm(todo, unit='job', file=sys.stderr)
    for job in bar:
        bar.set_description(job['id'][:60])
        t0 = time.time()
        proc = subprocess.run(
            [sys.executable, osp.abspath(__file__), '--job',
             json.dumps(job)], cwd=ROOT, capture_output=True, text=True)
        line = [ln for ln in proc.stdout.splitlines()
                if ln.startswith('JOB ')]
        if proc.returncode or not line:
            rec = dict(job, error=(proc.stderr or proc.stdout)[-1500:])
            log(f"[bench] {job['id']} failed (exit {proc.returncode}): "
                f"{rec['error'][-300:]}")
        else:
            rec = dict(job, result=json.loads(line[-1][4:]),
                       wall_s=round(time.time() - t0, 1),
                       date=time.strftime('%Y-%m-%d'))
        append_result(path, rec)
        done[job['id']] = rec
    results = {j['id']: done[j['id']] for j in jobs if j['id'] in done}
    if docs:
        from benchmark_report import write_report
        write_report(results, docs, quick=quick)
        log(f'[bench] wrote {docs} and its plots')
    return results


if __name__ == '__main__' and len(sys.argv) == 3 and sys.argv[1] == '--job':
    sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
    res = run_job_here(json.loads(sys.argv[2]))
    print('JOB ' + json.dumps(res), flush=True)
