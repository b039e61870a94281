from .detector_noise import DetectorNoise2D
from .keypoint_adapters import ConvertKeypointsToH36M
from .mirror import MirrorAboutPrincipalPoint
from .validate import ValidateKeypoints

__all__ = ['ConvertKeypointsToH36M', 'MirrorAboutPrincipalPoint',
           'ValidateKeypoints']
