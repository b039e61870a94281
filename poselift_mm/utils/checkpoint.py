"""Checkpoint loading that never runs a file's code unasked, and checks that
turn silent mismatches into clear errors.

:func:`load_checkpoint_safe` is the one reader of checkpoint files: it
always calls ``torch.load(weights_only=True)`` explicitly (so a shell's
``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD`` cannot turn the safe unpickler off),
and falls back to the full unpickler (which can run arbitrary code) only
for the one call whose ``trust`` is true. mmengine's own loads
(``Runner.load_checkpoint`` / ``resume``, ``init_model``, the inferencer)
come here through :func:`load_from_local_safe`, registered by
:mod:`poselift_mm.utils.compat`; their trust is that of the enclosing
``with checkpoint_trust(...)`` block (a ``ContextVar``: this thread, this
block, nothing process-wide and no environment variable).

Failures are :class:`CheckpointError` (a ``ValueError``) with one-line
messages: :class:`CorruptCheckpointError` for a file that is missing,
empty, truncated, or not a checkpoint (no trust can help: the message never
suggests it), :class:`UnsafeCheckpointError` for a well-formed file that
pickles objects outside the safe list (the message names them and the
opt-in of the tool the user ran).
"""
import contextlib
import contextvars
import os
import os.path as osp
import pickle
import re
import struct
import zipfile
from typing import List, Mapping, Optional, Tuple

import torch.nn as nn

__all__ = ['state_mismatch', 'check_checkpoint_fits',
           'load_foreign_checkpoint', 'load_checkpoint_safe',
           'checkpoint_trust', 'load_from_local_safe', 'CheckpointError',
           'CorruptCheckpointError', 'UnsafeCheckpointError',
           'latest_checkpoint']

# (trust, tool) of the innermost ``checkpoint_trust`` block; None outside
_TRUST = contextvars.ContextVar('poselift_checkpoint_trust', default=None)
# torch's weights-only unpickler names a refused global like this
_GLOBAL = re.compile(r'GLOBAL (\S+?)(?: was not an allowed| whose module)')
# errors torch.load raises on bytes that are not a well-formed checkpoint
_PARSE_ERRORS = (EOFError, pickle.UnpicklingError, KeyError, ValueError,
                 UnicodeDecodeError, struct.error, OverflowError, IndexError,
                 zipfile.BadZipFile, MemoryError)


class CheckpointError(ValueError):
    """A checkpoint file cannot be used (one-line message naming it)."""


class CorruptCheckpointError(CheckpointError):
    """Missing, unreadable, empty, truncated or not a checkpoint at all."""


class UnsafeCheckpointError(CheckpointError, pickle.UnpicklingError):
    """Well-formed, but it pickles objects outside torch's weights-only safe
    list: loading it needs the user's explicit trust."""


@contextlib.contextmanager
def checkpoint_trust(trust: bool = False, tool: Optional[str] = None):
    """Within the block (this thread only), checkpoints loaded without an
    explicit ``trust`` (mmengine's loads) use ``trust``; their messages
    name ``tool`` (default: :func:`~poselift_mm.utils.launch.tool_name`).
    Leaving the block restores the previous setting."""
    token = _TRUST.set((bool(trust), tool))
    try:
        yield
    finally:
        _TRUST.reset(token)


def _context() -> Tuple[bool, Optional[str]]:
    value = _TRUST.get()
    return (False, None) if value is None else value


def _opt_in(tool: Optional[str]) -> str:
    """How the user of ``tool`` opts in to full unpickling."""
    from poselift_mm.utils.launch import tool_name
    tool = tool or tool_name()
    if tool.startswith('tools/'):
        return f'rerun {tool} with --trust-checkpoint'
    return (f'pass trust_checkpoint=True ({tool}; the tools\' flag is '
            '--trust-checkpoint)')


def _check_file(path: str, tool: str) -> bytes:
    """The first bytes of the checkpoint file ``path``; a
    :class:`CorruptCheckpointError` when it is missing, a directory,
    unreadable, empty, a truncated zip archive or neither a zip nor a
    pickle."""
    what = f'{tool}: checkpoint {path}'
    if not osp.lexists(path):
        raise CorruptCheckpointError(f'{what} does not exist')
    if osp.isdir(path):
        raise CorruptCheckpointError(f'{what} is a directory, not a '
                                     'checkpoint file')
    try:
        with open(path, 'rb') as f:
            head = f.read(8)
    except OSError as err:
        raise CorruptCheckpointError(
            f'{what} cannot be read ({err.strerror or err})') from None
    if not head:
        raise CorruptCheckpointError(
            f'{what} is empty (0 bytes): not a checkpoint (was its save or '
            'download interrupted?)')
    if path.endswith('.safetensors'):  # torch.load reads those itself
        return head
    if head.startswith(b'PK\x03\x04'):
        if not zipfile.is_zipfile(path):
            raise CorruptCheckpointError(
                f'{what} is truncated or corrupt ({osp.getsize(path)} bytes, '
                'an incomplete zip archive: was its save or download cut '
                'short?); save or download it again')
    elif not head.startswith(b'\x80'):
        raise CorruptCheckpointError(
            f'{what} is not a PyTorch checkpoint (neither a torch.save zip '
            'archive nor a pickle), or it is corrupt')
    return head


def _unsafe_globals(err: BaseException) -> List[str]:
    """The globals torch's weights-only unpickler refused, from its
    message; empty when the error is not such a refusal."""
    return sorted(set(_GLOBAL.findall(str(err))))


def _torch_load(path: str, map_location, weights_only: bool):
    import torch
    return torch.load(path, map_location=map_location,
                      weights_only=weights_only)


def _reason(err: BaseException) -> str:
    """The line of a loading error that says what is wrong with the bytes
    (not torch's advice about ``weights_only``, which cannot help)."""
    lines = [ln.strip() for ln in str(err).splitlines() if ln.strip() and
             not re.search(r'weights.only|WeightsUnpickler error:\s*$|'
                           r'documentation', ln, re.I)]
    lines = [re.sub(r'^WeightsUnpickler error:\s*', '', ln) for ln in lines]
    return f'{type(err).__name__}: {lines[0][:160]}' if lines else \
        type(err).__name__


def _corrupt(path: str, tool: str, err: BaseException):
    return CorruptCheckpointError(
        f'{tool}: checkpoint {path} is corrupt, truncated or not a '
        f'checkpoint ({_reason(err)}); save or download it again')


def load_checkpoint_safe(path, map_location='cpu', trust: Optional[bool] =
                         None, tool: Optional[str] = None):
    """``torch.load(path)`` with the weights-only unpickler, always passed
    explicitly; the full unpickler only when ``trust`` (None: the trust of
    the enclosing :func:`checkpoint_trust` block, else False) and the safe
    one refused the file. Returns what the file holds (a checkpoint
    dict, usually).

    Raises :class:`CorruptCheckpointError` (missing, a directory,
    unreadable, empty, truncated, not a checkpoint) or, without trust,
    :class:`UnsafeCheckpointError` naming the refused globals and the
    opt-in of ``tool`` (default: the tool the user ran)."""
    ctx_trust, ctx_tool = _context()
    trust = ctx_trust if trust is None else bool(trust)
    from poselift_mm.utils.launch import tool_name
    tool = tool or ctx_tool or tool_name()
    path = os.fspath(path)
    _check_file(path, tool)
    try:
        return _torch_load(path, map_location, weights_only=True)
    except _PARSE_ERRORS as err:
        unsafe = isinstance(err, pickle.UnpicklingError) and \
            _unsafe_globals(err)
        if not unsafe:
            raise _corrupt(path, tool, err) from err
        if not trust:
            raise UnsafeCheckpointError(
                f'{tool}: checkpoint {path} is unsafe to load: it pickles '
                'objects outside torch\'s weights-only safe list ('
                f'{", ".join(unsafe[:5])}), and unpickling them can run '
                f'arbitrary code. If you trust this file, {_opt_in(tool)}'
            ) from None
    except RuntimeError as err:
        if 'TorchScript' in str(err):
            raise CorruptCheckpointError(
                f'{tool}: {path} is a TorchScript archive, not a '
                'checkpoint') from None
        if 'PytorchStreamReader' in str(err) or 'zip' in str(err):
            raise _corrupt(path, tool, err) from err
        raise
    try:  # trusted, and the safe unpickler refused it
        return _torch_load(path, map_location, weights_only=False)
    except _PARSE_ERRORS as err:
        if os.environ.get('TORCH_FORCE_WEIGHTS_ONLY_LOAD', '').lower() in (
                '1', 'y', 'yes', 'true'):
            raise UnsafeCheckpointError(
                f'{tool}: checkpoint {path} needs the full unpickler and '
                'TORCH_FORCE_WEIGHTS_ONLY_LOAD is set in the environment: '
                'unset it to load this trusted file') from None
        raise _corrupt(path, tool, err) from err


def load_from_local_safe(filename, map_location=None):
    """mmengine's loader of local paths (``CheckpointLoader``'s '' scheme)
    through :func:`load_checkpoint_safe` with the enclosing block's
    trust."""
    return load_checkpoint_safe(osp.expanduser(filename), map_location)


def state_mismatch(state: Mapping, ref: Mapping
                   ) -> Tuple[List[str], List[str], List[str]]:
    """How ``state`` (name -> tensor) fails to fit ``ref``: the keys of
    ``ref`` it lacks, its keys ``ref`` lacks, and the shared keys whose
    value is not a tensor of ``ref``'s shape; each in ``ref`` / ``state``
    order. All empty: it fits."""
    missing = [k for k in ref if k not in state]
    unexpected = [k for k in state if k not in ref]
    wrong = [k for k in ref if k in state and tuple(
        getattr(state[k], 'shape', (None, ))) != tuple(ref[k].shape)]
    return missing, unexpected, wrong


def check_checkpoint_fits(model: nn.Module, filename: str) -> dict:
    """Load ``filename`` and raise ``ValueError`` unless its ``state_dict``
    has exactly the model's parameter names and shapes (EMA copies under
    ``ema_`` are ignored). Returns the loaded checkpoint."""
    if '://' in str(filename):  # a URL: mmengine's loaders
        from mmengine.runner.checkpoint import _load_checkpoint
        checkpoint = _load_checkpoint(filename, map_location='cpu')
    else:
        checkpoint = load_checkpoint_safe(filename)
    if not isinstance(checkpoint, dict):
        raise CheckpointError(f'{filename} is not a checkpoint (it holds '
                              f'a {type(checkpoint).__name__})')
    state = checkpoint.get('state_dict', checkpoint)
    state = {k[len('module.'):] if k.startswith('module.') else k: v
             for k, v in state.items()
             if hasattr(v, 'shape') and not k.startswith('ema_')}
    model_state = model.state_dict()
    missing, unexpected, wrong = state_mismatch(state, model_state)
    ckpt_shapes = {k: tuple(state[k].shape) for k in wrong}
    model_shapes = {k: tuple(model_state[k].shape) for k in wrong}
    if missing or unexpected or wrong:
        parts = []
        if missing:
            parts.append(f'{len(missing)} missing (e.g. {missing[:3]})')
        if unexpected:
            parts.append(f'{len(unexpected)} unexpected (e.g. '
                         f'{unexpected[:3]})')
        if wrong:
            parts.append(f'{len(wrong)} with other shapes (e.g. ' + ', '.join(
                f'{k}: checkpoint {ckpt_shapes[k]} vs model '
                f'{model_shapes[k]}' for k in wrong[:2]) + ')')
        raise ValueError(
            f'checkpoint {filename} does not fit the model '
            f'{type(model).__name__}: ' + '; '.join(parts) +
            '. Is it a checkpoint of another model or config?')
    return checkpoint


def load_foreign_checkpoint(src, trust_checkpoint: bool = False):
    """An original code base's file: :func:`load_checkpoint_safe` with
    ``trust=trust_checkpoint`` (the full unpickler, which can run arbitrary
    code, only when that is true and the safe one refuses the file)."""
    return load_checkpoint_safe(src, trust=trust_checkpoint)


def _intact(path: str) -> bool:
    """A complete torch.save zip archive (cheap: its central directory)."""
    return osp.isfile(path) and osp.getsize(path) > 0 and \
        zipfile.is_zipfile(path)


def _warn(message: str) -> None:
    import sys
    print(message, file=sys.stderr, flush=True)


def latest_checkpoint(work_dir: str, warn=_warn) -> Optional[str]:
    """The checkpoint ``--resume`` continues from: the one mmengine's
    ``work_dir/last_checkpoint`` names; when that file is empty (a write
    cut short) or names a missing or truncated file, ``warn`` says so and
    the newest intact ``*.pth`` of ``work_dir`` is taken instead. None: no
    checkpoint to resume from (``warn`` says why when ``last_checkpoint``
    existed)."""
    record = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(record):
        return None
    with open(record, errors='replace') as f:
        named = f.read().strip()
    for path in ([named, osp.join(work_dir, osp.basename(named))]
                 if named else []):  # as written, or moved with the dir
        if _intact(path):
            return path
    problem = (f'{record} is empty' if not named else
               f'{record} names {named}, which is missing or truncated')
    found = sorted((p for p in (osp.join(work_dir, n) for n in os.listdir(
        work_dir) if n.endswith('.pth')) if _intact(p)), key=osp.getmtime)
    if found:
        warn(f'warning: {problem}; resuming from the newest intact '
             f'checkpoint of the work dir, {found[-1]}')
        return found[-1]
    warn(f'warning: {problem} and the work dir has no intact checkpoint: '
         'nothing to resume, training from scratch')
    return None
