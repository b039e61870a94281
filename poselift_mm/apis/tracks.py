"""Persistent track ids for MMPose's ``Pose3DInferencer``: one explicit,
version-checked call.

MMPose 1.3.x's ``Pose3DInferencer`` never stores the previous frame's
detections for its tracker (``results_pose2d_last`` stays empty), so every
person gets a new ``track_id`` on every video frame and a video lifter's
window holds the current frame only. :func:`enable_persistent_tracks`
wraps ``Pose3DInferencer.preprocess_single`` so that the current frame's
detections (with their track ids) are stored after each frame, which makes
the IoU / OKS tracks persist. Nothing in site-packages is edited; the call
is idempotent. ``build_inferencer`` and ``run_inferencer`` (and through
them ``tools/demo.py``) make it; users of a plain ``MMPoseInferencer``
call it once themselves::

    from poselift_mm.apis import enable_persistent_tracks
    enable_persistent_tracks()
"""
import functools
import warnings

__all__ = ['enable_persistent_tracks', 'FIXED_MMPOSE_VERSIONS']

# MMPose versions whose Pose3DInferencer has the fault and whose
# preprocess_single / _buffer layout this fix was checked against
FIXED_MMPOSE_VERSIONS = ('1.3.',)


def _store_tracks(inferencer) -> None:
    """Keep the current frame's 2D detections (with their track ids) as
    the tracker's previous frame."""
    from mmpose.structures import PoseDataSample

    buf = inferencer._buffer
    merged = buf.get('pose2d_results')
    est = buf.get('pose_est_results_list') or [[]]
    if merged is None or len(merged.pred_instances) != len(est[-1]):
        buf['results_pose2d_last'] = []
        return
    last = []
    for i, ds in enumerate(est[-1]):
        tid = ds.get('track_id', -1)
        if tid < 0:
            continue
        item = PoseDataSample()
        item.pred_instances = merged.pred_instances[i:i + 1]
        item.track_id = tid
        last.append(item)
    buf['results_pose2d_last'] = last


def enable_persistent_tracks() -> bool:
    """Make ``Pose3DInferencer`` tracks persist (module doc). Returns
    whether the fix is in place; on an MMPose version it was not checked
    against it warns and changes nothing."""
    import mmpose
    from mmpose.apis.inferencers import pose3d_inferencer as mod

    if not mmpose.__version__.startswith(FIXED_MMPOSE_VERSIONS):
        warnings.warn(
            f'enable_persistent_tracks: MMPose {mmpose.__version__} is not '
            f'one of {FIXED_MMPOSE_VERSIONS} that the track fix was checked '
            'against; not applied', stacklevel=2)
        return False
    cls = mod.Pose3DInferencer
    if getattr(cls.preprocess_single, '_poselift_tracks', False):
        return True
    original = cls.preprocess_single

    @functools.wraps(original)
    def preprocess_single(self, *args, **kwargs):
        out = original(self, *args, **kwargs)
        if self._video_input:
            _store_tracks(self)
        return out

    preprocess_single._poselift_tracks = True
    cls.preprocess_single = preprocess_single
    return True
