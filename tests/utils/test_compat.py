"""The stack's known breakages are fixed by importing poselift_mm."""
import numpy as np
import pytest
import torch

import poselift_mm  # noqa: F401


def test_matplotlib_canvas_has_tostring_rgb():
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig = plt.figure(figsize=(2, 1), dpi=50)
    fig.canvas.draw()
    raw = fig.canvas.tostring_rgb()
    w, h = fig.canvas.get_width_height()
    assert len(raw) == w * h * 3
    plt.close(fig)


def test_pose3d_visualizer_renders():
    from mmengine.structures import InstanceData
    from mmpose.structures import PoseDataSample
    from mmpose.visualization import Pose3dLocalVisualizer

    from poselift_mm.datasets.synthetic import synthesize_sequence
    pose = synthesize_sequence('Waving', 1, 50.0,
                               np.random.default_rng(0)).astype(np.float32)
    sample = PoseDataSample()
    sample.pred_instances = InstanceData(
        keypoints=pose, keypoint_scores=np.ones((1, 17), np.float32))
    vis = Pose3dLocalVisualizer(name='poselift_test_vis')
    vis.set_dataset_meta(dict(
        skeleton_links=[[0, 1], [1, 2], [2, 3], [0, 4], [4, 5], [5, 6],
                        [0, 7], [7, 8], [8, 9], [9, 10], [8, 11], [11, 12],
                        [12, 13], [8, 14], [14, 15], [15, 16]],
        keypoint_colors=np.full((17, 3), 128),
        skeleton_link_colors=np.full((16, 3), 64)))
    image = np.zeros((64, 64, 3), np.uint8)
    out = vis.add_datasample('t', image, sample, draw_gt=False, show=False,
                             num_instances=1)
    assert out.ndim == 3 and out.shape[-1] == 3 and out.std() > 0


def test_safe_globals_cover_numpy_and_history_buffer(tmp_path):
    from mmengine.logging import HistoryBuffer
    buf = HistoryBuffer()
    buf.update(1.5)
    obj = dict(meta=dict(arr=np.arange(3, dtype=np.float32),
                         scalar=np.float64(2.0)), hub=buf,
               state_dict=dict(w=torch.ones(2)))
    torch.save(obj, tmp_path / 'c.pth')
    loaded = torch.load(tmp_path / 'c.pth', weights_only=True)
    assert loaded['hub'].current() == 1.5
    np.testing.assert_array_equal(loaded['meta']['arr'], [0, 1, 2])


class _Payload:
    """Unpickling it writes a marker file: a stand-in for hostile code."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, 'w'))


def test_unsafe_checkpoint_needs_the_trust_flag(tmp_path, monkeypatch):
    """A checkpoint whose unpickling runs code is refused without the
    opt-in (no marker written), even when the shell sets
    TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD, and loads inside a trusted block
    only."""
    import pickle

    from mmengine.runner.checkpoint import CheckpointLoader

    from poselift_mm.utils import checkpoint_trust
    monkeypatch.setenv('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', '1')
    marker = tmp_path / 'ran.txt'
    path = tmp_path / 'evil.pth'
    torch.save(dict(state_dict=dict(w=torch.ones(1)),
                    meta=_Payload(marker)), path)
    with pytest.raises(pickle.UnpicklingError, match='--trust-checkpoint'):
        CheckpointLoader.load_checkpoint(str(path), map_location='cpu')
    assert not marker.exists()
    with checkpoint_trust(True):
        ckpt = CheckpointLoader.load_checkpoint(str(path), map_location='cpu')
    assert marker.exists() and float(ckpt['state_dict']['w']) == 1.
    marker.unlink()
    with pytest.raises(pickle.UnpicklingError):  # the trust has ended
        CheckpointLoader.load_checkpoint(str(path), map_location='cpu')
    assert not marker.exists()


def test_history_buffer_pickles_without_getattr(tmp_path):
    from mmengine.logging import HistoryBuffer
    buf = HistoryBuffer()
    buf.update(2.0)
    buf.update(4.0)
    obj = dict(hub=buf, empty=np.zeros(0, np.float32))
    torch.save(obj, tmp_path / 'h.pth')
    assert torch.serialization.get_unsafe_globals_in_checkpoint(
        str(tmp_path / 'h.pth')) == []
    loaded = torch.load(tmp_path / 'h.pth', weights_only=True)['hub']
    assert loaded.mean() == 3.0 and loaded.max() == 4.0

