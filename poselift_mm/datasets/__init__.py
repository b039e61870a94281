from .transforms import ConvertKeypointsToH36M, ValidateKeypoints

__all__ = ['ConvertKeypointsToH36M', 'ValidateKeypoints']
