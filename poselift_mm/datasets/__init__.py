from .transforms import ValidateKeypoints

__all__ = ['ValidateKeypoints']
