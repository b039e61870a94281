"""apis.output_schema: the one results file (meta, frame_id / instances,
camera-frame keypoints, null spread), from lift_keypoints results and from
the inferencer's display-frame records, read back and split by track."""
import json

import numpy as np
import pytest

from poselift_mm.apis.output_schema import (COORDINATE_FRAME, SCHEMA,
                                            SCHEMA_VERSION, SchemaError,
                                            frames_from_lift,
                                            frames_from_records, make_meta,
                                            read_results, track_arrays,
                                            write_results)
from poselift_mm.geometry.skeleton import H36M17_NAMES
from poselift_mm.visualization.display import camera_to_display


def lifted(n=3, spread=True, translation=True, seed=0):
    rng = np.random.default_rng(seed)
    kp = rng.normal(0, 0.3, (n, 17, 3))
    kp -= kp[:, :1]
    out = dict(keypoints_3d=kp, keypoints_2d=rng.uniform(0, 500, (n, 17, 2)),
               keypoint_scores=rng.uniform(0, 1, (n, 17)),
               keypoint_spread=rng.uniform(0, .1, (n, 17)) if spread
               else None, keypoint_format='h36m')
    if translation:
        out['translation'] = rng.normal(0, 1, (n, 3)) + [0, 0, 4]
    return out


def test_meta():
    meta = make_meta(model=dict(config='c.py', checkpoint='w.pth',
                                type='ZeDOLifter'), fps=25,
                     image_size=(640, 480), input='in.npz')
    assert (meta['schema'], meta['schema_version']) == (SCHEMA,
                                                       SCHEMA_VERSION)
    assert meta['coordinate_frame'] == COORDINATE_FRAME == 'camera'
    assert 'y down' in meta['coordinate_frame_doc']
    assert meta['units'] == 'metres' and meta['root_index'] == 0
    assert meta['joint_names'] == list(H36M17_NAMES)
    assert meta['fps'] == 25. and meta['image_size'] == [640., 480.]
    assert meta['input'] == 'in.npz'
    assert make_meta()['fps'] is None and make_meta()['image_size'] is None


def test_lift_result_round_trip(tmp_path):
    res = lifted(4)
    frames = frames_from_lift(res, track_id=7, frame_ids=[10, 11, 12, 13])
    assert [f['frame_id'] for f in frames] == [10, 11, 12, 13]
    inst = frames[0]['instances'][0]
    assert inst['track_id'] == 7 and inst['bbox'] is None
    path = tmp_path / 'r.json'
    assert write_results(path, make_meta(), frames) == 0
    meta, back = read_results(str(path))
    assert 'deprecated' not in meta
    t = track_arrays(back)[7]
    np.testing.assert_array_equal(t['frame_ids'], [10, 11, 12, 13])
    for key, src in (('keypoints', 'keypoints_3d'),
                     ('keypoints_2d', 'keypoints_2d'),
                     ('keypoint_scores', 'keypoint_scores'),
                     ('keypoint_spread', 'keypoint_spread'),
                     ('translation', 'translation')):
        np.testing.assert_allclose(t[key], res[src], atol=1e-6,
                                   err_msg=key)
    # no spread and no translation: null, never zeros
    frames = frames_from_lift(lifted(2, spread=False, translation=False))
    inst = frames[1]['instances'][0]
    assert inst['keypoint_spread'] is None and inst['translation'] is None
    t = track_arrays(frames)[0]
    assert t['keypoint_spread'] is None and t['translation'] is None
    with pytest.raises(ValueError, match='2 frame ids for 4'):
        frames_from_lift(lifted(4), frame_ids=[0, 1])


def test_inferencer_records_to_camera_frame(tmp_path):
    res = lifted(2)
    disp = camera_to_display(res['keypoints_3d'])  # as the inferencer
    records = [dict(frame=i, instances=[dict(
        track_id=1, keypoints_3d=disp[i].tolist(),
        keypoints_3d_online=(disp[i] + 0.01).tolist(),
        keypoint_scores=res['keypoint_scores'][i].tolist(),
        keypoint_spread=None, keypoints_2d=res['keypoints_2d'][i].tolist(),
        bbox=[0., 0., 10., 20.])]) for i in range(2)]
    frames = frames_from_records(records)
    path = tmp_path / 'r.json'
    write_results(path, make_meta(), frames)
    meta, back = read_results(str(path))
    assert set(meta['deprecated']) >= {'keypoints_3d', 'frame'}
    inst = back[1]['instances'][0]
    assert back[1]['frame_id'] == back[1]['frame'] == 1
    np.testing.assert_allclose(inst['keypoints'], res['keypoints_3d'][1],
                               atol=1e-6)
    np.testing.assert_allclose(inst['keypoints_online'],
                               res['keypoints_3d'][1], atol=1e-6)
    np.testing.assert_allclose(inst['keypoints_3d'], disp[1])  # kept
    assert inst['keypoint_spread'] is None and inst['translation'] is None
    assert inst['bbox'] == [0., 0., 10., 20.]


def test_read_refuses_other_files(tmp_path):
    bad = tmp_path / 'bad.json'
    bad.write_text(json.dumps([dict(frame_id=0, instances=[])]))
    with pytest.raises(SchemaError, match='not a poselift_mm.pose3d'):
        read_results(str(bad))
    doc = dict(meta=make_meta(), frames=[])
    doc['meta']['schema_version'] = SCHEMA_VERSION + 1
    with pytest.raises(SchemaError, match='schema version 2'):
        read_results(doc)
    doc = dict(meta=make_meta(), frames=[dict(frame=0, instances=[])])
    with pytest.raises(SchemaError, match='frame_id'):
        read_results(doc)
    with pytest.raises(SchemaError, match='cannot read'):
        read_results(str(tmp_path / 'absent.json'))


def test_streamed_frames_write_the_same_file(tmp_path):
    """A generator of frames is written one frame at a time, giving the
    same document as the list (NaN still written as null)."""
    import json as _json

    from poselift_mm.apis.output_schema import (make_meta, merged_frames,
                                                write_results)
    n = 5
    res = dict(keypoints_3d=np.arange(n * 17 * 3, dtype=float).reshape(
        n, 17, 3) / 100, present=np.array([1, 1, 0, 1, 1], bool))
    res['keypoints_3d'][1, 2, 0] = np.nan
    other = dict(keypoints_3d=np.zeros((2, 17, 3)))
    lifted = [(0, 4, res), (3, 9, other)]
    ids = [10, 11, 12, 13, 14]
    a, b = tmp_path / 'a.json', tmp_path / 'b.json'
    frames = list(merged_frames(ids, lifted))
    assert [[i['track_id'] for i in f['instances']] for f in frames] == \
        [[4], [4], [], [4, 9], [4, 9]]
    assert write_results(a, make_meta(), frames) == 1
    assert write_results(b, make_meta(), merged_frames(ids, lifted)) == 1
    assert _json.loads(a.read_text()) == _json.loads(b.read_text())
