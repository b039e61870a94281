"""Pipeline transform: a 2D detector's keypoint format -> Human3.6M-17."""
import os.path as osp
from copy import deepcopy
from functools import lru_cache
from typing import Optional

from mmcv.transforms import BaseTransform
from mmpose.registry import TRANSFORMS

from poselift_mm.geometry.keypoint_formats import (check_format,
                                                   convert_keypoints,
                                                   convert_scores)

# (..., K, C) coordinates and (..., K) per-joint values a sample may carry
_POINT_KEYS = ('keypoints', 'transformed_keypoints')
_SCORE_KEYS = ('keypoint_scores', 'keypoints_visible',
               'keypoints_visible_weights')
# per-dataset metainfo MMPose copies into every sample (BaseMocapDataset)
_META_KEYS = ('flip_indices', 'flip_pairs', 'upper_body_ids',
              'lower_body_ids', 'dataset_keypoint_weights', 'skeleton_links')


@lru_cache(maxsize=1)
def _h36m_metainfo() -> dict:
    """MMPose's parsed ``h36m`` metainfo (flip indices, skeleton, ...)."""
    import mmpose
    from mmpose.datasets.datasets.utils import parse_pose_metainfo
    rel = 'configs/_base_/datasets/h36m.py'
    path = osp.join(osp.dirname(mmpose.__file__), '.mim', rel)
    return parse_pose_metainfo(dict(from_file=path if osp.isfile(path) else
                                    rel))


@TRANSFORMS.register_module()
class ConvertKeypointsToH36M(BaseTransform):
    """Reorder/synthesise 2D keypoints into Human3.6M-17 before a lifter.

    Converts ``keypoints`` (..., K, 2|3) and ``transformed_keypoints`` with
    :func:`poselift_mm.geometry.keypoint_formats.convert_keypoints`, and
    ``keypoint_scores`` / ``keypoints_visible`` (..., K) or (..., K, 2) /
    ``keypoints_visible_weights`` with the min-of-sources rule. Metainfo
    keys already in the sample (``flip_indices``, ``flip_pairs``,
    ``skeleton_links``, ``upper_body_ids``, ``lower_body_ids``,
    ``dataset_keypoint_weights``) are replaced by MMPose's ``h36m`` ones so
    later flips stay correct.
    ``lifting_target`` is left alone (it is expected in H36M order already).

    Args:
        src: the keypoints' format: ``'coco'``, ``'halpe26'``, ``'halpe'`` or
            ``'h36m'`` (a no-op apart from the checks).
    """

    def __init__(self, src: str = 'coco'):
        self.src = check_format(src, 'ConvertKeypointsToH36M: src')

    def transform(self, results: dict) -> Optional[dict]:
        where = results.get('img_path') or results.get('target_img_path') \
            or results.get('id', '?')
        prefix = f'ConvertKeypointsToH36M (sample {where}): '
        if results.get('keypoints') is None:
            raise ValueError(prefix + "results has no 'keypoints'; got keys "
                             f'{sorted(results)}')
        lead = tuple(getattr(results['keypoints'], 'shape', (0, ))[:-1])
        converted = {}  # nothing changes in results unless all succeed
        try:
            for key in _POINT_KEYS:
                if results.get(key) is not None:
                    converted[key], _ = convert_keypoints(results[key],
                                                          src=self.src)
            for key in _SCORE_KEYS:
                value = results.get(key)
                if value is None:
                    continue
                shape = tuple(value.shape)
                if shape == lead:
                    converted[key] = convert_scores(value, self.src)
                elif shape == lead + (2, ):  # MMPose's (visible, weight)
                    converted[key] = convert_scores(
                        value.swapaxes(-1, -2), self.src).swapaxes(-1, -2)
                else:
                    raise ValueError(
                        f'{key}: expected shape {lead} (keypoints.shape'
                        f'[:-1]) or {lead + (2, )}, got shape {shape}')
        except (ValueError, TypeError) as err:
            raise type(err)(prefix + str(err)) from None
        results.update(converted)
        meta = _h36m_metainfo()
        for key in _META_KEYS:
            if key in results:
                results[key] = deepcopy(meta[key])
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(src={self.src!r})'


__all__ = ['ConvertKeypointsToH36M']
