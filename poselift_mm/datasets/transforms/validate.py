"""Early, clear errors on malformed inputs inside an MMPose pipeline."""
import numpy as np
from typing import Optional, Sequence

from mmcv.transforms import BaseTransform
from mmpose.registry import TRANSFORMS

from poselift_mm.geometry import check_camera, check_points


@TRANSFORMS.register_module()
class ValidateKeypoints(BaseTransform):
    """Check a sample's 2D keypoints, 3D target and camera before encoding.

    Raises ``ValueError`` naming the sample and the problem (wrong joint
    count, NaN/inf values, missing intrinsics) instead of letting a codec fail
    later with a shape assertion or train on NaNs.

    Args:
        num_keypoints: joints expected per pose (17 for Human3.6M).
        require_intrinsics: which camera keys must be present, e.g.
            ``('f', 'c')`` for models that work in pixels; ``()`` to skip.
    """

    def __init__(self,
                 num_keypoints: int = 17,
                 require_intrinsics: Sequence[str] = ()):
        self.num_keypoints = num_keypoints
        self.require_intrinsics = tuple(require_intrinsics)

    def transform(self, results: dict) -> Optional[dict]:
        where = '?'
        for key in ('img_path', 'target_img_path', 'id'):
            value = results.get(key)
            if isinstance(value, (list, tuple, np.ndarray)):
                value = value[0] if len(value) else None  # a window's first
            if value is not None and value != '':
                where = value
                break
        try:
            check_points(results['keypoints'], 'keypoints (2D input)', 2,
                         self.num_keypoints)
            if results.get('lifting_target') is not None:
                check_points(results['lifting_target'],
                             'lifting_target (3D)', 3, self.num_keypoints)
            if self.require_intrinsics:
                if 'camera_param' not in results:
                    raise ValueError(
                        'camera parameters are missing: this model needs the '
                        f'intrinsics {self.require_intrinsics}; set the '
                        "dataset's camera_param_file")
                check_camera(results['camera_param'],
                             need=self.require_intrinsics)
        except KeyError as err:
            raise ValueError(f'sample {where}: missing field {err}') from err
        except ValueError as err:
            raise ValueError(f'sample {where}: {err}') from err
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(num_keypoints='
                f'{self.num_keypoints}, require_intrinsics='
                f'{self.require_intrinsics})')
