"""Reading the records of a benchmark suite run ({job id: record}, as
``results.jsonl`` holds them): the accuracy of a model on a set, its
training time, the flat speed points, the matmul rate."""

__all__ = ['ORACLE', 'accuracy_record', 'metric', 'train_seconds',
           'speed_records', 'matmul_gflops']

ORACLE = 'MPJPE(P-Best)'  # the metric of the oracle best-of-H


def accuracy_record(results, model, set_id):
    """The accuracy record of a model on a set with metrics (jobs skipped
    for a missing checkpoint have none), or None."""
    for rec in results.values():
        if rec.get('kind') == 'accuracy' and rec['model'] == model and \
                rec['set'] == set_id and 'metrics' in rec.get('result', {}):
            return rec
    return None


def metric(results, model, set_id, key='h36m/MPJPE'):
    """A metric of a model's accuracy record on a set (default MPJPE, mm),
    or None when not measured."""
    rec = accuracy_record(results, model, set_id)
    return (rec['result'].get('metrics') or {}).get(key) if rec else None


def train_seconds(results, model):
    for rec in results.values():
        if rec.get('kind') == 'train' and rec['model'] == model and \
                'result' in rec:
            return rec['result'].get('seconds')
    return None


def speed_records(results) -> list:
    """One flat record per measured point: model, variable, value,
    result (the point, with the sweep's peak RSS)."""
    out = []
    for r in results.values():
        if r.get('kind') != 'speed' or 'model' not in r or 'result' not in r:
            continue
        for pt in r['result']['points']:
            out.append(dict(model=r['model'], variable=r['variable'],
                            value=pt['value'], result=dict(
                                pt, peak_rss_mib=r['result']['peak_rss_mib'])))
    return out


def matmul_gflops(results):
    rec = results.get('speed/matmul')
    return rec['result']['gflops'] if rec and 'result' in rec else None
