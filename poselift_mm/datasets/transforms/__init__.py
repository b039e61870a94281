from .validate import ValidateKeypoints

__all__ = ['ValidateKeypoints']
