# Shared by every poselift_mm config: MMPose's runtime, our registrations.
_base_ = ['mmpose::_base_/default_runtime.py']

default_scope = 'mmpose'
custom_imports = dict(imports=['poselift_mm'], allow_failed_imports=False)

vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(
    type='Pose3dLocalVisualizer', vis_backends=vis_backends, name='visualizer')
