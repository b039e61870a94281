"""ZeDO-infant's ray-lifted start pose (Zhou et al., WACV Workshops 2024;
ipl-uw/ZeDO-Release ``run/opt_main_infant.py``, after IPO).

Instead of starting OIL from the rotated template (adult ZeDO), the infant
code puts every joint on its own camera ray at the depth of the root
translation found by IPO, makes the pose root-relative and turns it by
IPO's rotation. In the original: ``ray = K^-1 [u, v, 1]`` (z = 1),
``ray *= |T| / |ray_root|``, ``x = R (ray - ray_root)``; since IPO puts
``T`` on the root's ray, ``|T| / |ray_root|`` is ``T_z``, so joint ``j``
sits at ``r_j T_z / r_jz`` for a unit ray ``r_j``: the fronto-parallel
plane through the translation.
"""
import torch

__all__ = ['ray_lifted_start']


def ray_lifted_start(rays, T, R, fallback=None, visible=None,
                     root_index: int = 0):
    """(N, K, 3) root-relative start poses.

    ``rays`` (N, K, 3) unit (z > 0), ``T`` (N, 3) root translation (IPO),
    ``R`` (N, 3, 3) IPO's rotation; joint ``j`` at ``r_j T_z / r_jz`` minus
    the root's, turned by ``R`` (module doc). ``visible`` (N, K) bool:
    missing joints (their 2D is no ray) take ``fallback`` (N, K, 3), the
    rotated template, root-relative; None: every joint is lifted.
    """
    p = rays * (T[:, None, 2:3] / rays[..., 2:3])
    x = (p - p[:, root_index:root_index + 1]) @ R.transpose(1, 2)
    if visible is None:
        return x
    if fallback is None:
        raise ValueError('ray_lifted_start: missing joints need a fallback')
    fb = fallback - fallback[:, root_index:root_index + 1]
    return torch.where(visible[..., None], x, fb)
