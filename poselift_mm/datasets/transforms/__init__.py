from .detector_noise import DetectorNoise2D
from .keypoint_adapters import ConvertKeypointsToH36M
from .validate import ValidateKeypoints

__all__ = ['ConvertKeypointsToH36M', 'ValidateKeypoints']
