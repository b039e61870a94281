"""Skeleton colours by side, the demo's frame renderer, the clip
animation's layout and the animation writer."""
import numpy as np
import pytest

from poselift_mm.visualization import (SIDE_COLOURS, AnimationWriter,
                                       SkeletonRenderer, edge_colours,
                                       edge_sides, mp4_writer_works,
                                       skeleton_edges)
from poselift_mm.visualization.clip_figures import COLOURS, render_frame

# a standing person, root-relative camera frame (x right, y down), metres
POSE_CAM = np.array([
    [0., 0., 0.], [-0.13, 0., 0.], [-0.13, 0.45, 0.], [-0.13, 0.9, 0.],
    [0.13, 0., 0.], [0.13, 0.45, 0.], [0.13, 0.9, 0.], [0., -0.25, 0.],
    [0., -0.5, 0.], [0., -0.6, 0.], [0., -0.7, 0.], [0.18, -0.5, 0.],
    [0.4, -0.4, 0.], [0.6, -0.3, 0.], [-0.18, -0.5, 0.], [-0.4, -0.4, 0.],
    [-0.6, -0.3, 0.]])


def count_near(img, rgb, tol=40) -> int:
    target = np.asarray(rgb, np.float64) * 255.
    return int((np.abs(img.astype(np.float64) - target).max(-1)
                <= tol).sum())


def test_edges_have_the_side_of_their_child_joint():
    assert skeleton_edges().tolist() == [
        [1, 0], [2, 1], [3, 2], [4, 0], [5, 4], [6, 5], [7, 0], [8, 7],
        [9, 8], [10, 9], [11, 8], [12, 11], [13, 12], [14, 8], [15, 14],
        [16, 15]]
    assert edge_sides() == ['right'] * 3 + ['left'] * 3 + ['centre'] * 4 + \
        ['left'] * 3 + ['right'] * 3
    np.testing.assert_allclose(edge_colours()[0], SIDE_COLOURS['right'])
    np.testing.assert_allclose(edge_colours()[3], SIDE_COLOURS['left'])
    # with a base colour: left darker, right lighter, centre the base
    np.testing.assert_allclose(edge_colours((0.5, 0., 1.))[[3, 0, 6]],
                               [[0.3, 0., 0.6], [0.75, 0.5, 1.],
                                [0.5, 0., 1.]])


def test_demo_frame_has_left_and_right_limbs_in_their_colours():
    from poselift_mm.visualization import camera_to_display
    uv = POSE_CAM[:, :2] * 400 + [320., 200.]
    record = dict(frame=0, instances=[dict(
        track_id=0, keypoints_2d=uv.tolist(), bbox=[100., 20., 540., 460.],
        keypoints_3d=camera_to_display(POSE_CAM).tolist())])
    frame = SkeletonRenderer(panel_px=240).render(
        np.full((480, 640, 3), 255, np.uint8), record)
    assert frame.shape == (240, 320 + 240, 3)
    image, view = frame[:, :320], frame[:, 320:]
    for panel in (image, view):
        assert count_near(panel, SIDE_COLOURS['left']) > 20
        assert count_near(panel, SIDE_COLOURS['right']) > 20


def fake_clip_and_lifted():
    clip = dict(keypoints_2d=(POSE_CAM[None, :, :2] * 400 + 500),
                keypoints_3d=(POSE_CAM + [0., 0., 4.])[None], fps=50.)
    lifted = dict(clean={name: dict(
        keypoints_3d=(POSE_CAM + [dx, 0., 0.])[None],
        errors=dict(mpjpe=np.array([50.])))
        for name, dx in (('ZeDO', 0.3), ('DiffPose frame', -0.3))})
    return clip, lifted


def test_clip_frame_legend_is_outside_the_3d_axes():
    import matplotlib
    matplotlib.use('Agg', force=False)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=(9.0, 4.5), dpi=80)
    canvas = FigureCanvasAgg(fig)
    render_frame(fig, *fake_clip_and_lifted(), 'clean', 0)
    canvas.draw()
    renderer = canvas.get_renderer()
    (legend, ) = fig.legends
    box = legend.get_window_extent(renderer)
    (ax3d, ) = [ax for ax in fig.axes if ax.name == '3d']
    assert not box.overlaps(ax3d.get_window_extent(renderer))
    assert fig.bbox.contains(box.x0, box.y0)
    assert fig.bbox.contains(box.x1, box.y1)
    labels = [t.get_text() for t in legend.get_texts()]
    assert labels == ['ground truth', 'ZeDO 50 mm', 'DiffPose frame 50 mm']


def test_clip_frame_draws_each_lifter_in_two_side_shades():
    import matplotlib
    matplotlib.use('Agg', force=False)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from poselift_mm.visualization.renderer import figure_rgb
    fig = Figure(figsize=(9.0, 4.5), dpi=80)
    canvas = FigureCanvasAgg(fig)
    render_frame(fig, *fake_clip_and_lifted(), 'clean', 0)
    (ax3d, ) = [ax for ax in fig.axes if ax.name == '3d']
    colours = {tuple(np.round(line.get_color(), 3)) for line in ax3d.lines}
    shades = edge_colours(COLOURS['ZeDO'])
    left, right = shades[3], shades[0]
    assert tuple(np.round(left, 3)) in colours
    assert tuple(np.round(right, 3)) in colours
    rgb = figure_rgb(canvas)
    assert count_near(rgb, left, 30) > 10 and count_near(rgb, right, 30) > 10


def test_gif_writer(tmp_path):
    from PIL import Image
    path = tmp_path / 'a.gif'
    writer = AnimationWriter(path, lambda: 5., gif=True)
    for v in (0, 255):
        writer.add(np.full((8, 12, 3), v, np.uint8))
    writer.close()
    with Image.open(path) as gif:
        assert gif.n_frames == 2 and gif.size == (12, 8)
        assert gif.info['duration'] == 200


def test_mp4_writer(tmp_path):
    import cv2
    if not mp4_writer_works():
        pytest.skip('OpenCV has no mp4 writer here')
    path = tmp_path / 'a.mp4'
    writer = AnimationWriter(path, 10., gif=False)
    for _ in range(3):
        writer.add(np.zeros((32, 48, 3), np.uint8))
    writer.close()
    cap = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, img = cap.read()
        if not ok:
            break
        frames.append(img.shape)
    assert frames == [(32, 48, 3)] * 3
