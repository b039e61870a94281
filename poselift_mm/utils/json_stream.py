"""JSON read one array element at a time: long keypoint files (a 200,000
frame MMPose prediction file is 220 MB of text, about 1.8 GB as Python
lists) are read in fixed-size chunks, and each element of the named arrays
goes through a converter (for example to a small numpy array) before the
next one is parsed. The result equals ``json.load``'s, with the named arrays
converted. Standard library only (``json.JSONDecoder.raw_decode`` parses
each value).
"""
import json
import re
from typing import Callable, Mapping

__all__ = ['load_json_streamed']

_DECODER = json.JSONDecoder()
_SPACE = ' \t\n\r'
_NUMBER_START = frozenset('-0123456789')
_NUMBER_END = re.compile(r'[ \t\n\r,\]}]')


class _Scanner:
    """A text file read in chunks; ``pos`` indexes ``buf``, whose consumed
    prefix is dropped when more text is read."""

    def __init__(self, f, chunk_size: int):
        self.f, self.chunk = f, chunk_size
        self.buf, self.pos, self.eof = '', 0, False

    def more(self, size: int = 0) -> bool:
        """Append ``size`` (default: a chunk) more characters; False at the
        end of the file."""
        if self.eof:
            return False
        data = self.f.read(size or self.chunk)
        if not data:
            self.eof = True
            return False
        self.buf, self.pos = self.buf[self.pos:] + data, 0
        return True

    def peek(self) -> str:
        """The next non-blank character ('' at the end of the file)."""
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in _SPACE:
                self.pos += 1
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self.more():
                return ''

    def take(self, allowed: str) -> str:
        """Consume the next character, which must be one of ``allowed``."""
        c = self.peek()
        if not c or c not in allowed:
            raise ValueError(f'expected one of {list(allowed)}, found '
                             f'{c or "the end of the file"!r}')
        self.pos += 1
        return c

    def value(self):
        """Parse the next JSON value; reads more text until it is whole (a
        number is whole once a blank, ',', ']' or '}' follows it)."""
        if self.peek() in _NUMBER_START:
            while not _NUMBER_END.search(self.buf, self.pos) and self.more():
                pass
        size = self.chunk
        while True:
            try:
                obj, end = _DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError:
                if not self.more(size):
                    raise
                size *= 2  # a long value: fewer re-parses
                continue
            self.pos = end
            return obj

    def items(self):
        """Yield the elements of the array that starts here."""
        self.take('[')
        if self.peek() == ']':
            self.pos += 1
            return
        while True:
            yield self.value()
            if self.take(',]') == ']':
                return

    def keys(self):
        """Yield the keys of the object that starts here; the caller reads
        each key's value before asking for the next key."""
        self.take('{')
        if self.peek() == '}':
            self.pos += 1
            return
        while True:
            key = self.value()
            if not isinstance(key, str):
                raise ValueError(f'an object key must be a string, got '
                                 f'{key!r}')
            self.take(':')
            yield key
            if self.take(',}') == '}':
                return


def load_json_streamed(path: str, convert: Mapping[str, Callable],
                       chunk_size: int = 1 << 20):
    """``json.load`` of ``path`` where the arrays named in ``convert`` are
    read element by element, each element replaced by ``convert[name](
    element)``: name '' is a top-level array, any other name the array
    under that key of a top-level object (other values are parsed whole).
    Raises ``ValueError`` (``json.JSONDecodeError`` or a message naming what
    was expected) for malformed text, ``RecursionError`` for too deeply
    nested values, ``OSError`` / ``UnicodeDecodeError`` from reading."""
    with open(path, encoding='utf-8') as f:
        scan = _Scanner(f, chunk_size)
        first = scan.peek()
        if first == '[' and '' in convert:
            out = [convert[''](x) for x in scan.items()]
        elif first == '{':
            out = {}
            for key in scan.keys():
                if key in convert and scan.peek() == '[':
                    out[key] = [convert[key](x) for x in scan.items()]
                else:
                    out[key] = scan.value()
        else:
            out = scan.value()
        if scan.peek():
            raise ValueError('extra data after the JSON value')
    return out
