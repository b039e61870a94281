"""The machine a benchmark runs on, and the measuring primitives: wall
time of repeated calls, FLOPs of a call, peak memory of this process."""
import os
import platform
import resource
import statistics
import time

__all__ = ['machine', 'peak_rss_mib', 'timed', 'count_flops',
           'matmul_rate']


def _cpu_model() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return cpu


def machine() -> str:
    """'CPU model, N cores, torch V (T threads), GPU name or no GPU'."""
    import torch
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else \
        'no GPU'
    return (f'{_cpu_model()}, {os.cpu_count()} cores, torch '
            f'{torch.__version__} ({torch.get_num_threads()} threads), {gpu}')


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far (MiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.


def timed(fn, repeats: int):
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


def count_flops(fn) -> float:
    """FLOPs of one call of ``fn`` (``torch.utils.flop_counter``: matmuls
    and convolutions only)."""
    from torch.utils.flop_counter import FlopCounterMode
    with FlopCounterMode(display=False) as counter:
        fn()
    return float(counter.get_total_flops())


def matmul_rate(n: int = 2048, repeats: int = 5) -> dict:
    """The machine's float32 ``n x n`` matmul rate: gflops (best of
    ``repeats``), seconds, seconds_median, threads."""
    import torch
    a, b = torch.rand(n, n), torch.rand(n, n)
    sec, med = timed(lambda: a @ b, repeats)
    return dict(gflops=round(2 * n**3 / sec / 1e9, 1),
                seconds=round(sec, 4), seconds_median=round(med, 4),
                threads=torch.get_num_threads())
