"""Runs one benchmark job in a process of its own (its peak RSS is its
own): ``python -m poselift_mm.benchmark.worker JOB_JSON`` prints
``JOB <result JSON>`` (:func:`~poselift_mm.benchmark.suite.run_job_here`)."""
import json
import sys


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print('usage: python -m poselift_mm.benchmark.worker JOB_JSON',
              file=sys.stderr)
        return 2
    from .suite import run_job_here
    res = run_job_here(json.loads(argv[0]))
    print('JOB ' + json.dumps(res), flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
