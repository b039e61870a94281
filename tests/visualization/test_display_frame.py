"""poselift_mm.visualization.display: the one display frame, on literal
points, and the same functions behind the old import path."""
import numpy as np

from poselift_mm.visualization import display

CAM = np.array([[0., 0., 0.], [0.1, -0.5, 0.2], [-0.3, 0.8, 0.05]])
# (X, Y, Z) = (-x, z, -y), then Z + 0.8 (lowest joint at 0): by hand
DISP = np.array([[0., 0., 0.8], [-0.1, 0.2, 1.3], [0.3, 0.05, 0.]])


def test_camera_to_display_of_literal_points():
    np.testing.assert_allclose(display.camera_to_display(CAM), DISP,
                               atol=1e-12)
    np.testing.assert_allclose(
        display.camera_to_display(CAM, rebase=False),
        [[0., 0., 0.], [-0.1, 0.2, 0.5], [0.3, 0.05, -0.8]], atol=1e-12)


def test_display_to_camera_of_literal_points():
    np.testing.assert_allclose(display.display_to_camera(DISP), CAM,
                               atol=1e-12)
    # a batch (2, K, 3), the second one moved: root-relative again
    both = np.stack([DISP, DISP + [1., 2., 3.]])
    np.testing.assert_allclose(display.display_to_camera(both),
                               np.stack([CAM, CAM]), atol=1e-12)


def test_view_from_plus_y_is_the_camera_view():
    assert display.view_azimuth() == 90.
    assert display.view_azimuth(20.) == 70.


def test_inference_imports_the_same_functions():
    from poselift_mm.apis import display_to_camera as api_d2c
    from poselift_mm.apis.inference import (camera_to_display,
                                            display_to_camera)
    assert camera_to_display is display.camera_to_display
    assert display_to_camera is display.display_to_camera is api_d2c
