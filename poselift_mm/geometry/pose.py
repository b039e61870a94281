"""Pose alignment and error metrics on (..., K, 3) joint arrays."""
import torch

from poselift_mm.utils.datafile import shape_str
from .checks import check_points, torchify


def _check_joints(x, name: str, dim=None):
    """x: (..., K, dim), dim defaulting to x's own last dim -> (K, dim)."""
    if dim is None:
        dim = x.shape[-1] if getattr(x, 'ndim', 0) else 3
    check_points(x, name, dim)
    if x.ndim < 2:
        raise ValueError(f'{name}: expected shape (..., K, {dim}), '
                         f'got shape {shape_str(tuple(x.shape))}')
    return x.shape[-2], dim


def root_relative(x, root: int = 0):
    """x: (..., K, D) -> x - x[..., root, :] (root joint at the origin)."""
    num_joints, _ = _check_joints(x, 'x')
    if not -num_joints <= root < num_joints:
        raise ValueError(f'root_relative: root={root} is out of range for '
                         f'{num_joints} joints')
    root = root % num_joints
    (t, ), back = torchify(x)
    return back(t - t[..., root:root + 1, :])


def procrustes_align(pred,
                     target,
                     allow_reflection: bool = False,
                     return_transform: bool = False):
    """pred, target: (..., K, 3) -> pred similarity-aligned onto target.

    With ``return_transform`` also returns ``(scale, R, t)``, scale (...,),
    R (..., 3, 3), t (..., 3), such that ``aligned = scale * pred @ R^T + t``.
    The SVD runs in float64 (except on MPS) whatever the input dtype.
    """
    num_joints, _ = _check_joints(pred, 'pred', 3)
    check_points(target, 'target', 3, num_joints)
    (p, q), back = torchify(pred, target)
    dtype = p.dtype
    work = dtype if p.device.type == 'mps' else torch.float64
    p, q = torch.broadcast_tensors(p.to(work), q.to(work))

    mu_p, mu_q = p.mean(-2, keepdim=True), q.mean(-2, keepdim=True)
    P, Q = p - mu_p, q - mu_q
    cross_cov = P.transpose(-1, -2) @ Q  # (..., 3, 3)
    U, S, Vh = torch.linalg.svd(cross_cov)
    V, Ut = Vh.transpose(-1, -2), U.transpose(-1, -2)
    sign = torch.ones_like(S)
    if not allow_reflection:  # flip the last singular vector if det(VU^T) < 0
        det = torch.linalg.det(V.detach() @ Ut.detach())
        last = torch.where(det < 0, -1.0, 1.0).to(work)
        sign = torch.cat((sign[..., :2], last[..., None]), -1)
    R = (V * sign[..., None, :]) @ Ut
    norm2 = (P * P).sum((-1, -2)).clamp_min(torch.finfo(work).tiny)
    scale = (S * sign).sum(-1) / norm2
    aligned = scale[..., None, None] * (P @ R.transpose(-1, -2)) + mu_q
    aligned = back(aligned.to(dtype))
    if not return_transform:
        return aligned
    t = mu_q - scale[..., None, None] * (mu_p @ R.transpose(-1, -2))
    t = t[..., 0, :]
    return aligned, (back(scale.to(dtype)), back(R.to(dtype)),
                     back(t.to(dtype)))


def mpjpe(pred, target):
    """pred, target: (..., K, D) -> mean joint distance (...,), input units."""
    num_joints, dim = _check_joints(pred, 'pred')
    check_points(target, 'target', dim, num_joints)
    (p, q), back = torchify(pred, target)
    return back(torch.linalg.vector_norm(p - q, dim=-1).mean(-1))


def p_mpjpe(pred, target, allow_reflection: bool = False):
    """pred, target: (..., K, 3) -> MPJPE (...,) after Procrustes alignment."""
    return mpjpe(
        procrustes_align(pred, target, allow_reflection=allow_reflection),
        target)
