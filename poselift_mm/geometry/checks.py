"""Input validation and numpy/torch conversion shared by the geometry code."""
from collections.abc import Mapping
from typing import Callable, Optional, Sequence, Tuple

import numpy as np
import torch

from poselift_mm.utils.datafile import shape_str

# key -> (group, meaning, shape after normalisation)
_CAMERA_KEYS = {
    'f': ('intrinsics', 'focal length in pixels', (2, )),
    'c': ('intrinsics', 'principal point in pixels', (2, )),
    'k': ('distortion', 'radial distortion coefficients', (3, )),
    'p': ('distortion', 'tangential distortion coefficients', (2, )),
    'R': ('extrinsics', 'world->camera rotation', (3, 3)),
    'T': ('extrinsics', 'camera centre in world coordinates, metres', (3, )),
}


class CameraParamError(KeyError, ValueError):
    """Required camera parameters are missing (a KeyError and a ValueError)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ''


def as_float64(x) -> torch.Tensor:
    """Tensor or array-like -> float64 tensor (arrays are copied)."""
    if torch.is_tensor(x):
        return x.to(torch.float64)
    return torch.from_numpy(np.array(x, dtype=np.float64))


def torchify(main, *others) -> Tuple[tuple, Callable]:
    """Return ((main, *others) as float tensors like main, back).

    ``others`` (None allowed) take main's float dtype and device; ``back(y)``
    turns a torch result into main's kind (numpy in -> numpy out).
    """
    if isinstance(main, torch.Tensor):
        t = main if main.is_floating_point() else main.to(
            torch.get_default_dtype())
        back = _identity
    elif isinstance(main, np.ndarray):
        arr = main if np.issubdtype(main.dtype, np.floating) else \
            main.astype(np.float64)
        if not arr.flags.writeable or any(s < 0 for s in arr.strides):
            arr = arr.copy()  # torch.from_numpy needs these
        t = torch.from_numpy(arr)
        back = _to_numpy
    else:
        raise TypeError('expected a numpy array or torch tensor, got '
                        f'{type(main).__name__}')
    rest = []
    for o in others:
        if o is None:
            rest.append(None)
        elif isinstance(o, torch.Tensor):
            rest.append(o.to(dtype=t.dtype, device=t.device))
        else:
            rest.append(
                torch.as_tensor(np.asarray(o), dtype=t.dtype, device=t.device))
    return (t, *rest), back




def _identity(y):
    return y


def _to_numpy(y):
    return y.detach().cpu().numpy()


def check_points(x, name: str, last_dim: int,
                 num_joints: Optional[int] = None):
    """x: (..., last_dim) or (..., num_joints, last_dim), finite -> x."""
    if not isinstance(x, (np.ndarray, torch.Tensor)):
        raise TypeError(f'{name} must be a numpy array or torch tensor, '
                        f'got {type(x).__name__}')
    shape = tuple(x.shape)
    got = f'got shape {shape_str(shape)}'
    if num_joints is None:
        if x.ndim < 1 or shape[-1] != last_dim:
            raise ValueError(
                f'{name}: expected shape (..., {last_dim}), {got}')
    else:
        expected = f'(..., {num_joints}, {last_dim})'
        if x.ndim < 2 or shape[-1] != last_dim:
            raise ValueError(f'{name}: expected shape {expected}, {got}')
        if shape[-2] != num_joints:
            raise ValueError(f'{name}: expected {num_joints} joints in shape '
                             f'{expected}, {got}')
    if isinstance(x, torch.Tensor):
        bad = int((~torch.isfinite(x)).sum()) if x.is_floating_point() else 0
    elif np.issubdtype(x.dtype, np.inexact):
        bad = int(np.count_nonzero(~np.isfinite(x)))
    else:
        bad = 0
    if bad:
        raise ValueError(f'{name} contains {bad} non-finite values (NaN/inf)')
    return x


def _camera_value(key: str, value):
    """One camera parameter -> float array/tensor of its normalised shape."""
    shape = _CAMERA_KEYS[key][2]
    if isinstance(value, torch.Tensor):
        v = value if value.is_floating_point() else value.to(
            torch.get_default_dtype())
        finite = bool(torch.isfinite(v).all())
    else:
        v = np.array(value)  # a copy: never a view into the caller's dict
        if not np.issubdtype(v.dtype, np.floating):
            v = v.astype(np.float64)
        finite = bool(np.isfinite(v).all())
    got = tuple(v.shape)
    if key == 'f' and v.ndim == 0:  # one focal length for both axes
        v = v.reshape(1).repeat(2) if isinstance(v, np.ndarray) else \
            v.reshape(1).expand(2)
    elif len(shape) == 1 and got in (shape, (shape[0], 1), (1, shape[0])):
        v = v.reshape(shape)
    elif got != shape:
        accepted = shape_str(shape)
        if len(shape) == 1:
            accepted += f' or {shape_str((shape[0], 1))}'
        raise ValueError(f"camera parameter '{key}' ({_CAMERA_KEYS[key][1]})"
                         f' must have shape {accepted}, '
                         f'got shape {shape_str(got)}')
    if not finite:
        raise ValueError(
            f"camera parameter '{key}' contains non-finite values (NaN/inf)")
    return v


def check_camera(param: Mapping, need: Sequence[str] = ('f', 'c')) -> dict:
    """Camera dict -> f, c (2,) px; k (3,); p (2,); R (3, 3); T (3,) m; w, h.

    Accepts flat or column-vector ((2, 1), (3, 1)) values; keeps numpy or
    torch per value; optional keys are copied when present.
    """
    if not isinstance(param, Mapping):
        raise TypeError('camera parameters must be a dict, got '
                        f'{type(param).__name__}')
    unknown = [k for k in need if k not in _CAMERA_KEYS]
    if unknown:
        raise ValueError(f'check_camera: unknown required keys {unknown}; '
                         f'known keys are {list(_CAMERA_KEYS)}')
    missing = [k for k in need if param.get(k) is None]
    if missing:
        what = ', '.join(
            f"the {_CAMERA_KEYS[k][0]} '{k}' ({_CAMERA_KEYS[k][1]})"
            for k in missing)
        raise CameraParamError(
            f'camera parameters are missing {what}; got keys {list(param)}')
    out = {}
    for key in _CAMERA_KEYS:
        if param.get(key) is not None:
            out[key] = _camera_value(key, param[key])
    for key in ('w', 'h'):
        if param.get(key) is not None:
            v = param[key]
            out[key] = int(v.item() if hasattr(v, 'item') else v)
    for key in ('name', 'id'):
        if param.get(key) is not None:
            out[key] = str(param[key])
    return out
