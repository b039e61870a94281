"""Fixes for known breakages of the pinned stack, applied on import.

Nothing in site-packages is edited; each fix is idempotent.

* torch >= 2.6 loads with ``weights_only=True`` by default, and mmengine calls
  ``torch.load`` without the argument. mmengine checkpoints hold a few plain
  objects besides tensors (numpy arrays in ``dataset_meta``, the message hub's
  ``HistoryBuffer``s): those classes are added to torch's safe list, so our own
  checkpoints load with the safe unpickler. ``HistoryBuffer`` pickles its
  class-level table of statistics methods (bound through ``builtins.getattr``,
  which the safe unpickler rightly refuses); that table is rebuilt on
  unpickling anyway, so it is no longer saved. mmengine's loader of local
  files is replaced by
  :func:`~poselift_mm.utils.checkpoint.load_from_local_safe`, which passes
  ``weights_only=True`` explicitly (a shell's
  ``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD`` no longer turns the safe unpickler
  off) and unpickles fully only inside a ``checkpoint_trust(True)`` block
  (the ``--trust-checkpoint`` flag of the tools, for that one run).
* matplotlib >= 3.10 removed ``FigureCanvasAgg.tostring_rgb``, which MMPose's
  ``Pose3dLocalVisualizer`` calls; it is restored from ``buffer_rgba``.
* MMPose 1.3.2's inferencer tracks: not patched on import; see
  :func:`poselift_mm.apis.tracks.enable_persistent_tracks`.
"""
import numpy as np

_applied = False


def checkpoint_safe_globals() -> list:
    """Classes an mmengine checkpoint of this project may contain."""
    from mmengine.logging import HistoryBuffer

    classes = [
        HistoryBuffer,
        bytes,  # empty numpy arrays pickle through bytes()
        np.ndarray,
        np.dtype,
        np.core.multiarray._reconstruct,
        np.core.multiarray.scalar,
    ]
    # numpy >= 1.25 pickles dtypes through their classes in numpy.dtypes.
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        classes += [
            getattr(dtypes, name) for name in dir(dtypes)
            if name.endswith('DType')
        ]
    return classes


def _patch_torch_load() -> None:
    import torch
    from mmengine.runner.checkpoint import CheckpointLoader

    torch.serialization.add_safe_globals(checkpoint_safe_globals())

    from poselift_mm.utils.checkpoint import load_from_local_safe
    CheckpointLoader.register_scheme('', load_from_local_safe, force=True)


def _history_buffer_getstate(self) -> dict:
    """HistoryBuffer state without its class-level method table."""
    state = dict(self.__dict__)
    state.pop('statistics_methods', None)
    return state


def _patch_history_buffer() -> None:
    from mmengine.logging import HistoryBuffer
    HistoryBuffer.__getstate__ = _history_buffer_getstate


def _tostring_rgb(self) -> bytes:
    """(H*W*3,) uint8 bytes of the rendered canvas, as matplotlib < 3.10."""
    return np.asarray(self.buffer_rgba())[..., :3].tobytes()


def _patch_matplotlib() -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    if not hasattr(FigureCanvasAgg, 'tostring_rgb'):
        FigureCanvasAgg.tostring_rgb = _tostring_rgb


def apply_compat_patches() -> None:
    global _applied
    if _applied:
        return
    _patch_history_buffer()
    _patch_torch_load()
    _patch_matplotlib()
    _applied = True
