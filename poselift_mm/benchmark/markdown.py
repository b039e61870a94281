"""Markdown table cells and rows of the benchmark report."""
import math

__all__ = ['fmt', 'row', 'head']


def fmt(v, nd=1) -> str:
    """A number with thousands separators and ``nd`` decimals (floats);
    '-' for None or a non-finite value."""
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return '-'
    return f'{v:,.{nd}f}' if isinstance(v, float) else f'{v:,}'


def row(cells) -> str:
    return '| ' + ' | '.join(str(c) for c in cells) + ' |'


def head(cells) -> list:
    """The header row and its separator."""
    return [row(cells), '|' + '---|' * len(cells)]
