"""The missing-joint benchmark's data: a detection file that does not
match the annotation row for row is refused, naming it."""
import numpy as np
import pytest

from poselift_mm.benchmark.missing_joints import load_sequences


def test_det_file_of_another_length_is_refused(tmp_path):
    (tmp_path / 'annotation_body3d').mkdir()
    np.savez(tmp_path / 'annotation_body3d' / 'ann.npz',
             imgname=np.array(['S8_A.1/S8_A.1_000001.jpg'] * 3),
             part=np.zeros((3, 17, 3)), S=np.zeros((3, 17, 4)))
    np.save(tmp_path / 'det.npy', np.zeros((2, 17, 3)))
    with pytest.raises(ValueError, match=r'det\.npy: shape \(2, 17, 3\), '
                       r'expected \(3, 17, 3\)'):
        load_sequences(str(tmp_path), 'annotation_body3d/ann.npz',
                       det_file='det.npy')
