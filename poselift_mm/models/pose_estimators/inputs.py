"""What both lifters read from MMPose's packed batches: the 2D keypoints
(``PackPoseInputs``' (B, K*2, T) layout) and the 2D confidences
(``gt_instances.keypoints_visible``)."""
import numpy as np
import torch

__all__ = ['unpack_keypoints', 'read_scores']


def unpack_keypoints(inputs, num_joints: int, who: str) -> torch.Tensor:
    """(B, K*2, T) (or already (B, T, K, 2)) -> (B, T, K, 2) float, with
    ``ValueError``s naming ``who`` for a wrong joint count and the batch
    samples holding NaN/inf."""
    if inputs.dim() == 4:
        x = inputs
    else:
        if inputs.dim() != 3 or inputs.shape[1] != num_joints * 2:
            raise ValueError(
                f'{who}: expected {num_joints} 2D keypoints (input (B, '
                f'{num_joints * 2}, T)), got input shape '
                f'{tuple(inputs.shape)}')
        b = inputs.shape[0]
        x = inputs.reshape(b, num_joints, 2, -1).permute(0, 3, 1, 2)
    if x.shape[-2:] != (num_joints, 2):
        raise ValueError(f'{who}: 2D keypoints must be (..., {num_joints}, '
                         f'2), got {tuple(x.shape)}')
    bad = ~torch.isfinite(x).reshape(x.shape[0], -1).all(1)
    if bad.any():
        raise ValueError(f'{who}: NaN/inf 2D keypoints in batch samples '
                         f'{bad.nonzero().flatten().tolist()}')
    return x.float()


def read_scores(data_samples, shape) -> torch.Tensor:
    """(B, T, K) confidences of the last T frames of each sample's
    ``keypoints_visible``; ones where a sample has none."""
    b, t, k = shape[:3]
    out = torch.ones(b, t, k)
    for i, ds in enumerate(data_samples):  # per-sample metadata, not math
        gi = ds.get('gt_instances')
        vis = None if gi is None else gi.get('keypoints_visible')
        if vis is not None:
            out[i] = torch.as_tensor(np.asarray(vis),
                                     dtype=torch.float32).reshape(-1, k)[-t:]
    return out
