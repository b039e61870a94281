"""Writing rendered frames as an animation: an mp4 (OpenCV ``mp4v``) when
OpenCV can write one here, else a GIF (Pillow)."""
import os.path as osp
import tempfile

import numpy as np

__all__ = ['AnimationError', 'mp4_writer_works', 'AnimationWriter']


class AnimationError(ValueError):
    """The animation file cannot be written (named in the message)."""


def mp4_writer_works() -> bool:
    """Can OpenCV write an mp4v .mp4 here (probed on 2 tiny frames)?"""
    import cv2
    with tempfile.TemporaryDirectory() as tmp:
        path = osp.join(tmp, 'probe.mp4')
        w = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), 5.,
                            (32, 32))
        if not w.isOpened():
            return False
        for _ in range(2):
            w.write(np.zeros((32, 32, 3), np.uint8))
        w.release()
        return osp.isfile(path) and osp.getsize(path) > 0


class AnimationWriter:
    """Frames (H, W, 3) uint8 RGB -> an mp4 (OpenCV mp4v) or, with
    ``gif``, a GIF (Pillow, written by :meth:`close`) at ``tmp_path``; the
    caller renames it over the final path on success."""

    def __init__(self, tmp_path, fps, gif: bool):
        """``fps``: a number or a callable giving it at the first frame."""
        self.tmp = str(tmp_path)
        self._fps = fps
        self.gif = gif
        self.frames = []  # GIF only
        self.writer = None
        self.count = 0

    @property
    def fps(self) -> float:
        return float(self._fps() if callable(self._fps) else self._fps)

    def add(self, rgb: np.ndarray) -> None:
        if self.gif:
            from PIL import Image
            self.frames.append(Image.fromarray(rgb))
        else:
            self._mp4_writer(rgb.shape).write(
                np.ascontiguousarray(rgb[..., ::-1]))
        self.count += 1

    def _mp4_writer(self, shape):
        import cv2
        if self.writer is None:
            self.writer = cv2.VideoWriter(
                self.tmp, cv2.VideoWriter_fourcc(*'mp4v'), self.fps,
                (shape[1], shape[0]))
            if not self.writer.isOpened():
                raise AnimationError(f'{self.tmp}: OpenCV cannot write mp4')
        return self.writer

    def close(self) -> None:
        if self.writer is not None:
            self.writer.release()
        if self.gif and self.frames:
            self.frames[0].save(
                self.tmp, format='GIF', save_all=True,
                append_images=self.frames[1:], loop=0,
                duration=max(20, int(round(1000. / self.fps))))
