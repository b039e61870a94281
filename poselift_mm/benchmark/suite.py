"""The benchmark suite behind ``python tools/benchmark.py --suite``: its
jobs and the resumable driver.

One command measures every table and plot of ``docs/benchmarks.md``:

* accuracy: every model of :data:`~poselift_mm.benchmark.table.MODELS` on
  S8 with GT and noisy 2D and on the CMU cross-dataset set, through
  ``tools/test.py``'s runner (MPJPE / P-MPJPE / N-MPJPE averaged over
  actions, per action, and for multi-hypothesis models the deployable
  aggregate and the oracle best-of-H in separate columns), with the test
  loop's own throughput;
* speed: poses/s and latency of the models' lifting step on synthetic
  input, over batch size, sampling steps / iterations, hypotheses and
  window length; peak RSS; FLOPs of a call against the machine's measured
  matmul rate; fitted cost growth;
* long inputs: ``tools/lift.py`` on 2k, 20k and 200k frames of one
  person, its frames/s and peak memory (:mod:`.long_input`).

Each job runs in its own process (``python -m poselift_mm.benchmark.worker``:
its peak RSS is its own) and its result is appended to
``RESULTS_DIR/results.jsonl`` as soon as it finishes: a rerun skips
finished jobs (resume) and runs failed ones again, ``force`` reruns the
selected ones; an unreadable line (an interrupted write) is skipped with a
warning.
Missing peer checkpoints are trained first with ``tools/train.py``
(skipped by ``quick``). ``quick``: every test set 10x sparser, the
smallest sweeps; it finishes in minutes. Data: ``bash
tools/prepare_mocap_data.sh``.
"""
import json
import os
import os.path as osp
import sys
import time

from poselift_mm.apis.model_zoo import repo_root
from .long_input import LONG_MODELS, run_long_input
from .report import write_report
from .runners import run_accuracy, run_in_subprocess, run_setting, run_train
from .speed import run_speed
from .table import MODELS, SETS, STRIDES, TRAIN, slug

__all__ = ['accuracy_jobs', 'speed_jobs', 'train_jobs', 'long_input_jobs',
           'all_jobs',
           'run_job_here', 'load_results', 'append_result', 'run_suite']

JOB_RUNNERS = dict(accuracy=run_accuracy, speed=run_speed, train=run_train,
                   setting=run_setting, long=run_long_input)
LONG_FRAMES = (2000, 20000, 200000)
GT_ONLY_OPTIONS = {'test_dataloader.dataset.keypoint_2d_det_file': None}


def _set_options(set_id: str, stride: int) -> dict:
    """Test-dataloader options of a set at a sample stride."""
    s = SETS[set_id]
    opts = {f'test_dataloader.dataset.{k}': v for k, v in s.items()
            if k != 'label'}
    if s['keypoint_2d_src'] == 'gt':
        opts.update(GT_ONLY_OPTIONS)
    opts['test_dataloader.dataset.camera_param_file'] = \
        'annotation_body3d/cameras.pkl'
    opts['test_dataloader.dataset.sample_stride'] = stride
    return opts


def accuracy_jobs(quick: bool) -> list:
    """Every model on every set (``quick``: 10x sparser; models without
    ``quick_all_sets`` on S8 GT only)."""
    jobs = []
    for m in MODELS:
        for set_id in m.sets:
            if quick and set_id != 's8_gt' and not m.quick_all_sets:
                continue
            stride = STRIDES[m.stride][set_id] * (10 if quick else 1)
            opts = {**_set_options(set_id, stride), **m.options}
            jobs.append(dict(kind='accuracy', id=f'acc/{slug(m.name)}/'
                             f'{set_id}/{stride}', model=m.name,
                             config=m.config_rel(), checkpoint=m.
                             checkpoint_rel(), set=set_id, stride=stride,
                             peer=m.peer, options=opts))
    return jobs


def _speed_specs(quick: bool) -> list:
    """(model, variable, values) of the speed sweeps."""
    def pick(small, full):
        return small if quick else full
    batches = pick([1, 64], [1, 64, 1024])
    diff, video = 'DiffPose frame', 'DiffPose video 27f'
    zedo, vp27 = 'ZeDO (zero-shot), OIL 50', 'VideoPose3D 27 frames (MMPose)'
    return [
        (diff, 'batch', batches),
        (diff, 'steps', pick([1, 2, 5], [1, 2, 5, 10, 25])),
        (diff, 'hypotheses', pick([1, 5], [1, 5, 20])),
        (video, 'batch', pick([1, 16], [1, 16, 64])),
        (video, 'window', pick([9, 27], [9, 27, 81, 243])),
        (video, 'hypotheses', pick([1, 5], [1, 5, 20])),
        (zedo, 'batch', batches),
        (zedo, 'iterations', pick([20, 50], [20, 50, 200, 1000])),
        (zedo, 'hypotheses', pick([1, 5], [1, 5, 10])),
        ('SimpleBaseline3D (MMPose)', 'batch', batches),
        ('VideoPose3D 1 frame (MMPose)', 'batch', batches),
        (vp27, 'batch', batches),
        (vp27, 'window', pick([27, 81], [27, 81, 243])),
    ]


def speed_jobs(quick: bool) -> list:
    """The matmul rate, then one job per sweep (one process per sweep: the
    model is built once; peak RSS is the sweep's)."""
    jobs = [dict(kind='speed', id='speed/matmul', what='matmul')]
    for model, var, values in _speed_specs(quick):
        jobs.append(dict(kind='speed', id=f'speed/{slug(model)}/{var}/'
                         + ','.join(map(str, values)), model=model,
                         variable=var, values=values,
                         repeats=3 if quick else 5))
    return jobs


def train_jobs(quick: bool) -> list:
    """Training of the peers without a released checkpoint (none in
    ``quick``)."""
    if quick:
        return []
    return [dict(kind='train', id=f'train/{slug(m.name)}', model=m.name,
                 config=m.config_rel())
            for m in MODELS if m.checkpoint_rel() == TRAIN]


def long_input_jobs(quick: bool) -> list:
    """``tools/lift.py`` on long inputs (:mod:`.long_input`): every
    released main-job lifter at each of :data:`LONG_FRAMES` (``quick``:
    the shortest only)."""
    frames = LONG_FRAMES[:1] if quick else LONG_FRAMES
    return [dict(kind='long', id=f'long/{model}/{n}', model=model, frames=n)
            for n in frames for model in LONG_MODELS]


def all_jobs(quick: bool) -> list:
    return (train_jobs(quick) + accuracy_jobs(quick) + speed_jobs(quick)
            + long_input_jobs(quick))


def run_job_here(job: dict) -> dict:
    """Run one job in this process; its result."""
    return JOB_RUNNERS[job['kind']](job)


def _warn(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def load_results(path: str, warn=_warn) -> dict:
    """{job id: record} of a results file; later lines win. A line that is
    not a JSON record with an ``id`` (a write cut short: torn JSON, a
    multi-byte character cut in two, a stray value) is left out with a
    ``warn``-ing naming its line, so its job simply runs again."""
    out = {}
    if not osp.isfile(path):
        return out
    with open(path, 'rb') as f:
        for number, raw in enumerate(f, 1):
            if not raw.strip():
                continue
            try:
                rec = json.loads(raw.decode('utf-8'))
            except (UnicodeDecodeError, json.JSONDecodeError):
                rec = None
            if isinstance(rec, dict) and 'id' in rec:
                out[rec['id']] = rec
            else:
                warn(f'[bench] warning: {path} line {number} is not a '
                     'complete result (a write cut short?); skipped, its '
                     'job runs again')
    return out


def _torn(path: str) -> bool:
    """Does the file end inside a line (a write cut short)?"""
    if not osp.isfile(path) or not osp.getsize(path):
        return False
    with open(path, 'rb') as f:
        f.seek(-1, os.SEEK_END)
        return f.read(1) != b'\n'


def append_result(path: str, rec: dict) -> None:
    """One JSON line, flushed and fsynced: an interrupted suite keeps every
    finished job. A torn last line is ended first, so it stays apart."""
    os.makedirs(osp.dirname(path) or '.', exist_ok=True)
    start = '\n' if _torn(path) else ''
    with open(path, 'a') as f:
        f.write(start + json.dumps(rec) + '\n')
        f.flush()
        os.fsync(f.fileno())


def _run_job(job: dict, log) -> dict:
    """The record of ``job`` run in its own process."""
    t0 = time.time()
    proc, result = run_in_subprocess(job, cwd=repo_root())
    if result is None:
        rec = dict(job, error=(proc.stderr or proc.stdout)[-1500:])
        log(f"[bench] {job['id']} failed (exit {proc.returncode}): "
            f"{rec['error'][-300:]}")
        return rec
    return dict(job, result=result, wall_s=round(time.time() - t0, 1),
                date=time.strftime('%Y-%m-%d'))


def run_suite(results_dir: str, quick: bool = False, force: bool = False,
              only=None, docs: str = None, log=print) -> dict:
    """Run the selected jobs (ids containing one of ``only``) not finished
    yet, append each record to the results file, and (``docs``) rewrite
    the report, only when every job of the suite has a result (a partial
    results file would empty the rows of the others); returns {id:
    record} of every finished or failed job."""
    from tqdm import tqdm
    path = osp.join(results_dir, 'quick.jsonl' if quick else
                    'results.jsonl')
    jobs = all_jobs(quick)
    selected = [j for j in jobs if not only or any(o in j['id']
                                                   for o in only)]
    chosen = {j['id'] for j in selected}
    # finished jobs are kept (force: rerun the selected ones); failed ones
    # are run again
    done = {k: v for k, v in load_results(path, log).items()
            if 'result' in v and not (force and k in chosen)}
    todo = [j for j in selected if j['id'] not in done]
    log(f'[bench] {len(selected)} jobs, {len(selected) - len(todo)} already '
        f'done ({path}), {len(todo)} to run')
    bar = tqdm(todo, unit='job', file=sys.stderr)
    for job in bar:
        bar.set_description(job['id'][:60])
        rec = _run_job(job, log)
        append_result(path, rec)
        done[job['id']] = rec
    results = {j['id']: done[j['id']] for j in jobs if j['id'] in done}
    missing = [j['id'] for j in jobs if 'result' not in results.get(
        j['id'], {})]
    if docs and missing:  # the tables would lose the rows they now show
        log(f'[bench] {docs} not rewritten: {len(missing)} of {len(jobs)} '
            f'jobs have no result in {path} (first: {missing[0]}); run '
            'them, or read the records in the results file')
    elif docs:
        write_report(results, docs, quick=quick)
        log(f'[bench] wrote {docs} and its plots')
    return results
