"""Human3.6M-17 skeleton edges and their colours.

Limbs are coloured by body side, read from the joint names of
:data:`~poselift_mm.geometry.skeleton.H36M17_NAMES`: an edge has the side of
its child joint (``left_*``, ``right_*``, otherwise centre). The palette is
MMPose's for Human3.6M (left green, right orange, centre blue). Where
several skeletons share one plot and each needs its own colour (one per
model), :func:`edge_colours` with a ``base`` colour keeps the sides apart
by shade: left darker, right lighter, centre the base colour.
"""
import numpy as np

__all__ = ['SIDE_COLOURS', 'skeleton_edges', 'edge_sides', 'edge_colours',
           'track_colour', 'to_uint8']

# RGB in [0, 1]: MMPose's h36m dataset meta (left [0, 255, 0], right
# [255, 128, 0], centre [51, 153, 255])
SIDE_COLOURS = dict(left=(0., 1., 0.), right=(1., 128 / 255., 0.),
                    centre=(0.2, 0.6, 1.))


def skeleton_edges() -> np.ndarray:
    """(E, 2) child, parent joint indices of Human3.6M-17 (E = 16)."""
    from poselift_mm.geometry.skeleton import H36M17_PARENTS
    parents = np.asarray(H36M17_PARENTS)
    child = np.nonzero(parents >= 0)[0]
    return np.stack([child, parents[child]], 1)


def joint_side(name: str) -> str:
    """'left', 'right' or 'centre' from a joint name."""
    for side in ('left', 'right'):
        if name.startswith(side + '_'):
            return side
    return 'centre'


def edge_sides() -> list:
    """(E,) side of each edge of :func:`skeleton_edges` (its child's)."""
    from poselift_mm.geometry.skeleton import H36M17_NAMES
    return [joint_side(H36M17_NAMES[c]) for c, _ in skeleton_edges()]


def _shade(base, side: str) -> tuple:
    b = np.asarray(base, np.float64)[:3]
    if side == 'left':
        return tuple(0.6 * b)
    if side == 'right':
        return tuple(b + 0.5 * (1. - b))
    return tuple(b)


def edge_colours(base=None) -> np.ndarray:
    """(E, 3) RGB floats in [0, 1] per edge: :data:`SIDE_COLOURS`, or with
    ``base`` (an RGB triple) its left (darker) / right (lighter) shades."""
    sides = edge_sides()
    if base is None:
        return np.array([SIDE_COLOURS[s] for s in sides])
    return np.array([_shade(base, s) for s in sides])


def track_colour(track_id: int) -> tuple:
    """RGB floats in [0, 1] of a track (matplotlib's tab10 cycle)."""
    from matplotlib import colormaps
    return colormaps['tab10'](int(track_id) % 10)[:3]


def to_uint8(rgb) -> tuple:
    """RGB floats in [0, 1] -> a tuple of ints in [0, 255] (for OpenCV)."""
    return tuple(int(255 * c) for c in rgb)
