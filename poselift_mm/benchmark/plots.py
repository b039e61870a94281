"""PNG plots of a benchmark suite run: accuracy against the test loop's
throughput, and poses/s over each swept variable."""
import numpy as np

from .records import accuracy_record, speed_records
from .table import MODELS

__all__ = ['plot_accuracy_throughput', 'plot_speed']

SET_MARKERS = (('s8_gt', 'o'), ('s8_noisy', 's'), ('cmu_gt', '^'))
VARIABLES = ('batch', 'steps', 'iterations', 'hypotheses', 'window')


def _figure(**kw):
    import matplotlib
    matplotlib.use('Agg', force=False)
    from matplotlib.figure import Figure
    return Figure(**kw)


def _save(fig, path: str) -> None:
    from poselift_mm.utils.io import atomic_path
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format='png')


def _scatter_models(ax, results) -> None:
    """One point per model and set: MPJPE against frames/s; peers with a
    black edge."""
    from matplotlib import colormaps
    for set_id, marker in SET_MARKERS:
        for i, m in enumerate(MODELS):
            rec = accuracy_record(results, m.name, set_id)
            y = rec['result']['metrics'].get('h36m/MPJPE') if rec else None
            if y is None:
                continue
            col = colormaps['tab20'](i % 20)
            ax.scatter(rec['result']['frames_per_s'], y, marker=marker,
                       color=col, edgecolor='k' if m.peer else col, s=45,
                       label=m.name if set_id == 's8_gt' else None)


def plot_accuracy_throughput(results, path: str) -> None:
    fig = _figure(figsize=(8, 5.2), dpi=100)
    ax = fig.add_subplot()
    _scatter_models(ax, results)
    ax.set_xscale('log')
    ax.set_xlabel('throughput of the test loop (frames/s, 2 CPU cores, '
                  'log scale)')
    ax.set_ylabel('MPJPE (mm, mean over actions)')
    ax.grid(alpha=0.3, which='both')
    leg = ax.legend(fontsize=7, loc='upper left', bbox_to_anchor=(1.01, 1.))
    leg.set_title('o S8 GT 2D, s S8 noisy, ^ CMU', prop=dict(size=7))
    ax.set_title('Accuracy vs throughput (black edge: MMPose peers)',
                 fontsize=10)
    _save(fig, path)


def _speed_axes(ax, recs, var: str) -> None:
    for name in sorted({r['model'] for r in recs if r['variable'] == var}):
        pts = sorted((float(r['value']), r['result']['poses_per_s'])
                     for r in recs if r['variable'] == var and
                     r['model'] == name)
        x, y = np.array(pts).T
        ax.plot(x, y, 'o-', label=name)
    ax.set_xscale('log')
    ax.set_yscale('log')
    ax.set_xlabel(var)
    ax.set_ylabel('poses/s')
    ax.grid(alpha=0.3, which='both')
    ax.legend(fontsize=6)


def plot_speed(results, path: str) -> None:
    recs = speed_records(results)
    variables = [v for v in VARIABLES if any(r['variable'] == v
                                             for r in recs)]
    if not variables:
        return  # no speed sweep finished: no plot
    fig = _figure(figsize=(4.0 * len(variables), 3.6), dpi=90)
    for j, var in enumerate(variables):
        _speed_axes(fig.add_subplot(1, len(variables), j + 1), recs, var)
    _save(fig, path)
