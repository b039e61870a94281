"""An offline 2D detector: MediaPipe's BlazePose (``mediapipe.solutions.
pose``, mediapipe 0.10.21: ``pose_landmark_full.tflite`` ships inside the
wheel, nothing is downloaded) run per frame on a video or images, its
landmarks mapped to COCO-17 in pixels, in the per-frame layout of MMPose's
2D inferencer predictions (``pred_out_dir``)::

    frames = run_blazepose('video.mp4')
    frames[i] == {'frame_id': i, 'instances': [{
        'keypoints': [[x, y], ...],        # (17, 2) px, COCO-17 order
        'keypoint_scores': [...],          # (17,) BlazePose visibility
        'bbox': [[x1, y1, x2, y2]],        # px (MMPose's nesting)
        'bbox_score': s}]}                 # mean of the 17 scores

A frame without a person has ``'instances': []``. BlazePose finds one
person per frame (the most prominent). ``tools/lift.py`` reads such a
list (when every frame has a person); ``tools/demo.py --pose2d blazepose``
lifts it (:mod:`poselift_mm.apis.track_lifting`).

Joint map (:data:`BLAZEPOSE_TO_COCO17`; checked against mediapipe's
``PoseLandmark`` enum by the tests). Left and right are the person's own,
in both formats:

======================= ================================
COCO-17 joint           BlazePose landmark (index)
======================= ================================
0 nose                  NOSE (0)
1 / 2 left / right eye  LEFT_EYE (2) / RIGHT_EYE (5)
3 / 4 ears              LEFT_EAR (7) / RIGHT_EAR (8)
5 / 6 shoulders         LEFT/RIGHT_SHOULDER (11 / 12)
7 / 8 elbows            LEFT/RIGHT_ELBOW (13 / 14)
9 / 10 wrists           LEFT/RIGHT_WRIST (15 / 16)
11 / 12 hips            LEFT/RIGHT_HIP (23 / 24)
13 / 14 knees           LEFT/RIGHT_KNEE (25 / 26)
15 / 16 ankles          LEFT/RIGHT_ANKLE (27 / 28)
======================= ================================

The box is Human3.6M's annotation rule (MMPose's Human3.6M ``bbox_scale``
statistics come from it): the keypoints' extent, a square side of 1.2
times its longer side, centred on it. Install: ``pip install --no-deps -r
requirements/blazepose.txt`` (``tools/setup_env.sh`` does).
"""
import contextlib
import os
import re
import sys
import tempfile
from typing import Callable, Iterator, List, Optional, Tuple

import numpy as np

__all__ = ['BLAZEPOSE_TO_COCO17', 'MODEL_COMPLEXITY', 'BOX_SCALE',
           'BlazePoseUnavailable', 'require_mediapipe', 'landmarks_to_coco',
           'keypoint_bbox', 'coco_instance', 'BlazePoseDetector',
           'read_video', 'run_blazepose', 'describe',
           'quiet_native_logs']

# COCO-17 joint j <- BlazePose landmark BLAZEPOSE_TO_COCO17[j]
BLAZEPOSE_TO_COCO17 = (0, 2, 5, 7, 8, 11, 12, 13, 14, 15, 16, 23, 24, 25,
                       26, 27, 28)
# 1: pose_landmark_full.tflite, the landmark model inside the wheel (0 and
# 2, lite and heavy, would be downloaded)
MODEL_COMPLEXITY = 1
BOX_SCALE = 1.2  # Human3.6M's box: 1.2 x the keypoints' extent
# what MediaPipe's C++ side prints on every run (fd 2): dropped; anything
# else it prints is passed on
NATIVE_NOISE = re.compile(
    r'^(INFO: Created TensorFlow Lite XNNPACK delegate'
    r'|WARNING: All log messages before absl::InitializeLog'
    r'|W\d{4} .*(inference_feedback_manager|landmark_projection_calculator)'
    r'\.cc)')
INSTALL_HINT = ('pip install --no-deps -r requirements/blazepose.txt '
                '(bash tools/setup_env.sh installs it)')


class BlazePoseUnavailable(ImportError):
    """mediapipe (with its ``solutions`` API) is not installed."""


def require_mediapipe():
    """The ``mediapipe`` module with ``solutions.pose``; else
    :class:`BlazePoseUnavailable` saying how to install it."""
    os.environ.setdefault('GLOG_minloglevel', '2')  # TFLite's info lines
    try:
        import mediapipe as mp
        mp.solutions.pose.Pose  # noqa: B018  (1.x releases dropped it)
    except (ImportError, AttributeError) as err:
        raise BlazePoseUnavailable(
            f'BlazePose needs mediapipe 0.10.21 with mediapipe.solutions '
            f'({err}): {INSTALL_HINT}') from None
    return mp


def _uses_fd2(stream) -> bool:
    try:
        return stream.fileno() == 2
    except (AttributeError, OSError, ValueError):
        return False


@contextlib.contextmanager
def quiet_native_logs():
    """Route file descriptor 2 (where MediaPipe's C++ side and its graph
    threads write) to a temporary file for the block, then print its lines
    to ``sys.stderr`` except :data:`NATIVE_NOISE`. Python's own
    ``sys.stderr`` keeps reaching the real stream meanwhile."""
    if sys.stderr is not None:
        sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no file descriptor 2: nothing to quiet
        yield
        return
    py_err = sys.stderr
    with tempfile.TemporaryFile() as tmp, \
            open(saved, 'w', closefd=False, buffering=1) as real:
        os.dup2(tmp.fileno(), 2)
        if _uses_fd2(py_err):
            sys.stderr = real
        try:
            yield
        finally:
            real.flush()
            sys.stderr = py_err
            os.dup2(saved, 2)
            os.close(saved)
            tmp.seek(0)
            for line in tmp.read().decode(errors='replace').splitlines():
                if line.strip() and not NATIVE_NOISE.match(line):
                    print(line, file=sys.stderr)


def landmarks_to_coco(landmarks, width: int,
                      height: int) -> Tuple[np.ndarray, np.ndarray]:
    """BlazePose landmarks (33, >= 4) ``[x, y, z, visibility]`` (x, y
    normalised to the image) -> COCO-17 keypoints (17, 2) px float64 and
    their scores (17,) (the visibility, clipped to [0, 1])."""
    lm = np.asarray(landmarks, np.float64)
    if lm.ndim != 2 or lm.shape[0] != 33 or lm.shape[1] < 4:
        raise ValueError(f'landmarks: expected shape (33, 4), got '
                         f'{lm.shape}')
    sel = lm[list(BLAZEPOSE_TO_COCO17)]
    kp = sel[:, :2] * np.array([float(width), float(height)])
    return kp, np.clip(sel[:, 3], 0., 1.)


def keypoint_bbox(keypoints, scale: float = BOX_SCALE) -> np.ndarray:
    """(K, 2) px -> (4,) ``[x1, y1, x2, y2]``: a square of side ``scale``
    times the keypoints' longer extent, centred on their extent."""
    kp = np.asarray(keypoints, np.float64)
    lo, hi = kp.min(0), kp.max(0)
    centre, half = (lo + hi) / 2, scale * (hi - lo).max() / 2
    return np.concatenate([centre - half, centre + half])


def coco_instance(keypoints, scores) -> dict:
    """One person in the layout of MMPose's prediction files (module doc)
    from (17, 2) px keypoints and (17,) scores."""
    kp = np.asarray(keypoints, np.float64)
    sc = np.asarray(scores, np.float64)
    return dict(keypoints=kp.tolist(), keypoint_scores=sc.tolist(),
                bbox=[keypoint_bbox(kp).tolist()],
                bbox_score=float(sc.mean()))


class BlazePoseDetector:
    """BlazePose on BGR images (H, W, 3) uint8 -> a list of 0 or 1 COCO-17
    instances (:func:`coco_instance`). ``video=True`` tracks the person
    from frame to frame (frames in order); False treats every image on
    its own. A context manager; :meth:`close` frees the graph."""

    def __init__(self, video: bool = True, min_detection_confidence=0.5,
                 min_tracking_confidence=0.5):
        mp = require_mediapipe()
        # the graph's threads log while it runs: quiet until close()
        self._quiet = contextlib.ExitStack()
        self._quiet.enter_context(quiet_native_logs())
        try:
            self.pose = mp.solutions.pose.Pose(
                static_image_mode=not video,
                model_complexity=MODEL_COMPLEXITY, smooth_landmarks=video,
                enable_segmentation=False,
                min_detection_confidence=min_detection_confidence,
                min_tracking_confidence=min_tracking_confidence)
        except BaseException:
            self._quiet.close()
            raise

    def __call__(self, img_bgr: np.ndarray) -> List[dict]:
        import cv2
        h, w = img_bgr.shape[:2]
        res = self.pose.process(cv2.cvtColor(img_bgr, cv2.COLOR_BGR2RGB))
        if res.pose_landmarks is None:
            return []
        lm = [(p.x, p.y, p.z, p.visibility)
              for p in res.pose_landmarks.landmark]
        return [coco_instance(*landmarks_to_coco(lm, w, h))]

    def close(self) -> None:
        try:
            self.pose.close()
        finally:
            self._quiet.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def read_video(path: str, info: Optional[dict] = None,
               max_frames: Optional[int] = None) -> Iterator[np.ndarray]:
    """BGR frames of a video (OpenCV) in order; ``info`` (a dict) gets
    ``fps`` (the container's rate, None when it gives none), ``width``,
    ``height``, ``frames_expected`` and, at the end, ``frames_read``."""
    import cv2
    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        raise ValueError(f'{path}: cannot open the video')
    info = {} if info is None else info
    fps = cap.get(cv2.CAP_PROP_FPS)
    info.update(video=True, fps=float(fps) if fps and fps > 0 else None,
                width=int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)),
                height=int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)),
                frames_expected=int(cap.get(cv2.CAP_PROP_FRAME_COUNT)))
    n = 0
    try:
        while max_frames is None or n < max_frames:
            ok, frame = cap.read()
            if not ok:
                break
            n += 1
            yield frame
    finally:
        cap.release()
        info['frames_read'] = n


def _read_image(item) -> np.ndarray:
    if isinstance(item, np.ndarray):
        return item
    import cv2
    img = cv2.imread(str(item))
    if img is None:
        raise ValueError(f'{item}: cannot read the image')
    return img


def run_blazepose(inputs, max_frames: Optional[int] = None,
                  on_frame: Optional[Callable] = None,
                  info: Optional[dict] = None) -> List[dict]:
    """BlazePose on a video file (frames in order, tracked), an image file,
    a folder of images (sorted by name) or a list of images / BGR arrays
    (each on its own). Returns one ``{'frame_id', 'instances'}`` per frame
    (module doc). ``on_frame(i, frame_bgr, frame_dict)`` is called after
    each frame; ``info`` gets ``video``, ``fps``, ``width``, ``height``,
    ``frames_expected``, ``frames_read``."""
    from .inference import list_inputs
    info = {} if info is None else info
    items = list_inputs(inputs)
    video = isinstance(items, str)
    if video:
        frames = read_video(items, info, max_frames)
    else:
        items = items[:max_frames] if max_frames is not None else items
        info.update(video=False, fps=None, frames_expected=len(items))
        frames = (_read_image(x) for x in items)
    out = []
    with BlazePoseDetector(video=video) as detect:
        for i, img in enumerate(frames):
            if not video and i == 0:
                info.update(width=img.shape[1], height=img.shape[0])
            rec = dict(frame_id=i, instances=detect(img))
            out.append(rec)
            if on_frame is not None:
                on_frame(i, img, rec)
    info['frames_read'] = len(out)
    return out


def describe() -> str:
    """The detector's name for results files."""
    try:
        from importlib.metadata import version
        ver = version('mediapipe')
    except Exception:  # noqa: BLE001  (not installed: still describable)
        ver = '?'
    return (f'BlazePose (mediapipe {ver} solutions.pose, '
            f'pose_landmark_full, model_complexity {MODEL_COMPLEXITY})')
