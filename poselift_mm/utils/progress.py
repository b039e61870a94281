"""Progress bars for long loops (tqdm on stderr): on when the loop is long
and stderr is a terminal, so tests and logs stay quiet.
``POSELIFT_PROGRESS=1`` asks for them whatever the length or the output
(``0``: never)."""
import os
import sys

__all__ = ['MIN_ITEMS', 'progress_wanted', 'progress_range']

MIN_ITEMS = 5000  # items (frames, windows) from which a loop is long


def progress_wanted(total: int, min_items: int = MIN_ITEMS) -> bool:
    """Whether a loop over ``total`` items shows a bar (module doc)."""
    asked = os.environ.get('POSELIFT_PROGRESS', '')
    if asked in ('0', '1'):
        return asked == '1'
    isatty = getattr(sys.stderr, 'isatty', None)
    return total >= min_items and bool(isatty and isatty())


def progress_range(total: int, step: int = 1, desc: str = 'lifting',
                   unit: str = 'window'):
    """``range(0, total, step)`` that advances a bar of ``total`` items by
    ``step`` per value, when :func:`progress_wanted`."""
    if not progress_wanted(total):
        yield from range(0, total, step)
        return
    from tqdm import tqdm
    with tqdm(total=total, desc=desc, unit=unit, file=sys.stderr,
              dynamic_ncols=True) as bar:
        for start in range(0, total, step):
            yield start
            bar.update(min(step, total - start))
