"""read_tracks keeps a JSON track compact (float64 arrays, streamed) and
leaves anything non-numeric to the lifter's named checks."""
import json

import numpy as np
import pytest

from poselift_mm.apis.chunked_lifting import track_window
from poselift_mm.apis.keypoint_files import read_tracks


def frames(n=6, k=17, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(0, 640, (n, k, 2)), rng.uniform(0, 1, (n, k))


@pytest.mark.parametrize('layout', ['list', 'frame_id', 'demo', 'plain'])
def test_json_track_is_one_float64_array(tmp_path, layout):
    kp, sc = frames()
    insts = [[dict(keypoints=kp[i].tolist(), keypoint_scores=sc[i].tolist(),
                   bbox=[[0, 0, 1, 1]])] for i in range(len(kp))]
    doc = {'list': insts,
           'frame_id': [dict(frame_id=i, instances=f)
                        for i, f in enumerate(insts)],
           'demo': dict(meta_info=dict(dataset_name='coco'),
                        instance_info=[dict(frame_id=i, instances=f)
                                       for i, f in enumerate(insts)]),
           'plain': dict(keypoints=kp.tolist(), scores=sc.tolist())}[layout]
    path = tmp_path / 'in.json'
    path.write_text(json.dumps(doc))
    data = read_tracks(str(path))
    (tr, ) = data['tracks']
    for got, want in ((tr['keypoints'], kp), (tr['scores'], sc)):
        assert isinstance(got, np.ndarray) and got.dtype == np.float64
        np.testing.assert_array_equal(got, want)  # JSON floats round-trip
    assert data['dataset'] == ('coco' if layout == 'demo' else None)


def test_gaps_in_a_compact_track_are_nan_with_score_0(tmp_path):
    kp, sc = frames(4)
    insts = [[dict(keypoints=kp[i].tolist(), keypoint_scores=sc[i].tolist())]
             for i in range(4)]
    insts[2] = []
    path = tmp_path / 'gap.json'
    path.write_text(json.dumps(insts))
    (tr, ) = read_tracks(str(path))['tracks']
    got_kp, got_sc, first = track_window(tr, 17)
    assert first == 0 and got_kp.shape == (4, 17, 2)
    assert np.isnan(got_kp[2]).all() and (got_sc[2] == 0).all()
    np.testing.assert_array_equal(got_kp[[0, 1, 3]], kp[[0, 1, 3]])


def test_non_numeric_values_are_left_for_the_checks(tmp_path):
    """Bool scores stay bool (check_score_values refuses them by dtype);
    a ragged frame stays a list (as_frames names the frame)."""
    kp, sc = frames(3)
    insts = [[dict(keypoints=kp[i].tolist(),
                   keypoint_scores=[True] * 17)] for i in range(3)]
    insts[1][0]['keypoints'] = kp[1, :10].tolist()
    path = tmp_path / 'odd.json'
    path.write_text(json.dumps(insts))
    (tr, ) = read_tracks(str(path))['tracks']
    assert isinstance(tr['keypoints'], list)
    assert tr['scores'][0] == [True] * 17
