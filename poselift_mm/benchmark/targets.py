"""The accuracy targets of issue 15, read from the suite's records: each
figure is a ratio of two MPJPEs that the suite measured on the same set.

* against the peers: a DiffPose video model over the best MMPose peer of
  the set (target 0.85), a single-frame model (DiffPose frame, ZeDO) over
  the best single-frame peer (0.95 frame; ZeDO 1.15 on CMU), where the
  best peer is the lowest MPJPE among every peer row measured on the set
  (GT-trained and noise-trained);
* the diffusion head: the gain of a model over its pose model alone (the
  same checkpoint with ``test_cfg.timesteps=()``), in % (target >= 5 on
  detector-like 2D);
* deployable against oracle: the MPJPE of the deployable aggregate over
  the oracle best-of-H (ZeDO target 1.10).

The noisy / GT ratios (target 1.15) are in the detector-noise table.
"""
from .markdown import head as _head, row as _row
from .records import ORACLE, metric
from .table import MODELS, NOISE_SETS, SETS

__all__ = ['TARGETS', 'mpjpe', 'best_peer', 'peer_ratio_table',
           'head_gain_table', 'oracle_table']

TARGETS = dict(video=0.85, frame=0.95, zedo_cmu=1.15, head_gain_pct=5.,
               noisy_over_gt=1.15, zedo_oracle=1.10)


def mpjpe(results, model, set_id):
    """MPJPE (mm) of a model on a set, or None when not measured."""
    return metric(results, model, set_id)


def best_peer(results, set_id, single_frame: bool):
    """(name, MPJPE) of the best peer on ``set_id`` (``single_frame``:
    among peers that see one frame), or (None, None)."""
    got = [(mpjpe(results, m.name, set_id), m.name) for m in MODELS
           if m.peer and not (single_frame and m.temporal)]
    got = [g for g in got if g[0]]
    if not got:
        return None, None
    value, name = min(got)
    return name, value


def _cell(value, target) -> str:
    """A ratio and whether it is within its (upper) target."""
    if value is None:
        return '-'
    return f"{value:.2f} {'met' if value <= target else 'missed'}"


def _ours():
    """Our rows on every detector-noise set, not the head ablations."""
    return [m for m in MODELS if not m.peer and not m.ablation_of
            and set(NOISE_SETS) <= set(m.sets)]


def peer_ratio_table(results) -> str:
    """Per detector-noise set: the best peers, then each of our models'
    MPJPE over the best peer of its kind, against its target."""
    labels = [SETS[s]['label'] for s in NOISE_SETS]
    lines = _head(['model (target)'] + labels)
    for single, what in ((False, 'best peer'),
                         (True, 'best single-frame peer')):
        cells = []
        for s in NOISE_SETS:
            name, value = best_peer(results, s, single)
            cells.append(f'{value:.1f} ({name})' if name else '-')
        lines.append(_row([what + ', MPJPE mm'] + cells))
    for m in _ours():
        cells = []
        for s in NOISE_SETS:
            _, peer = best_peer(results, s, single_frame=not m.temporal)
            ours = mpjpe(results, m.name, s)
            ratio = ours / peer if ours and peer else None
            if m.temporal:
                target = TARGETS['video']
            elif m.family == 'zedo':
                target = TARGETS['zedo_cmu'] if s.startswith('cmu') \
                    else None
            else:
                target = TARGETS['frame']
            cells.append(_cell(ratio, target) if target else
                         (f'{ratio:.2f}' if ratio else '-'))
        target = ('video <= 0.85' if m.temporal else 'ZeDO <= 1.15 on CMU'
                  if m.family == 'zedo' else 'frame <= 0.95')
        lines.append(_row([f'{m.name} ({target})'] + cells))
    return '\n'.join(lines)


def head_gain_table(results) -> str:
    """Per released model with a head-ablation row, per detector-noise
    set: MPJPE of the pose model alone -> with the head, and the head's
    gain in % (target >= 5 on detector-like 2D)."""
    lines = _head(['diffusion head of (gain target >= 5 % on '
                   'detector-like 2D)'] + [SETS[s]['label']
                                           for s in NOISE_SETS])
    for m in MODELS:
        if not m.ablation_of:
            continue
        cells = []
        for s in NOISE_SETS:
            alone = mpjpe(results, m.name, s)
            full = mpjpe(results, m.ablation_of, s)
            if not alone or not full:
                cells.append('-')
                continue
            gain = 100. * (alone - full) / alone
            noisy = SETS[s]['keypoint_2d_src'] == 'detection'
            tag = ('' if not noisy else ' met' if gain >= TARGETS[
                'head_gain_pct'] else ' missed')
            cells.append(f'{alone:.1f} -> {full:.1f}: {gain:.1f} %{tag}')
        lines.append(_row([m.ablation_of] + cells))
    return '\n'.join(lines)


def oracle_table(results) -> str:
    """Every row with an oracle best-of-H: deployable MPJPE, oracle and
    their ratio (ZeDO target <= 1.10)."""
    lines = _head(['model', 'set', 'deployable MPJPE', 'oracle best-of-H',
                   'deployable / oracle'])
    for m in MODELS:
        for s in m.sets:
            dep = metric(results, m.name, s)
            orc = metric(results, m.name, s, f'h36m/{ORACLE}')
            if not dep or not orc or abs(dep - orc) < 1e-9:
                continue  # one hypothesis: the oracle is the deployable
            ratio = dep / orc
            lines.append(_row([m.name, SETS[s]['label'], f'{dep:.1f}',
                               f'{orc:.1f}',
                               _cell(ratio, TARGETS['zedo_oracle'])
                               if m.family == 'zedo' else f'{ratio:.2f}']))
    return '\n'.join(lines)
