"""load_json_streamed equals json.load, reads long arrays element by
element with bounded memory, and names malformed text."""
import json
import tracemalloc

import numpy as np
import pytest

from poselift_mm.utils.json_stream import load_json_streamed

DOCS = [
    [],
    {},
    [1, 2.5, -3e-7, 123456789, True, None, 'a,]}'],
    [[1.25, 2], {'k': [1, 2, {'x': 'y'}]}, [], {}],
    {'meta_info': {'dataset_name': 'coco'},
     'instance_info': [{'frame_id': 0, 'instances': [
         {'keypoints': [[1.5, 2.25]] * 3, 'keypoint_scores': [0.5] * 3}]}]},
    {'keypoints': [[[100.125, 200]] * 2] * 3, 'scores': [[1, 0.5]] * 3},
    'just a string',
    12345678901234567890,
]


def same(x):
    return x


@pytest.mark.parametrize('chunk', [1, 2, 3, 7, 64, 1 << 20])
@pytest.mark.parametrize('doc', DOCS, ids=range(len(DOCS)))
def test_equals_json_load(tmp_path, doc, chunk):
    path = tmp_path / 'doc.json'
    path.write_text(json.dumps(doc, indent=1))
    names = ('', 'instance_info', 'keypoints', 'scores')
    got = load_json_streamed(str(path), {n: same for n in names},
                             chunk_size=chunk)
    assert got == doc


def test_converter_sees_each_element_in_order(tmp_path):
    path = tmp_path / 'doc.json'
    path.write_text(json.dumps({'a': [1, 2], 'frames': [[1], [2, 3]]}))
    seen = []
    got = load_json_streamed(str(path), {'frames': lambda x: seen.append(x)
                                         or len(x)}, chunk_size=3)
    assert seen == [[1], [2, 3]]
    assert got == {'a': [1, 2], 'frames': [1, 2]}


def test_long_array_is_read_with_bounded_memory(tmp_path):
    """A 10 MB array whose elements are dropped: the text is never held
    whole (peak Python allocation well under the file size)."""
    path = tmp_path / 'long.json'
    frame = json.dumps({'keypoints': np.arange(34.).reshape(17, 2).tolist()})
    with open(path, 'w') as f:
        f.write('[' + ','.join([frame] * 40000) + ']')
    size = path.stat().st_size
    assert size > 9e6
    tracemalloc.start()
    try:
        got = load_json_streamed(str(path), {'': lambda x: None},
                                 chunk_size=1 << 16)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(got) == 40000
    assert peak < size / 8, (peak, size)


@pytest.mark.parametrize('text, message', [
    ('[[1, 2], [3, 4]', 'expected one of'),
    ('[[1, 2] [3, 4]]', 'expected one of'),
    ('{"a": 1,}', 'Expecting'),
    ('{"a" 1}', 'expected one of'),
    ('[1, 2] x', 'extra data'),
    ('{"keypoints": [[[1, 2]', 'Expecting'),
    ('', 'Expecting value'),
])
def test_malformed_text_is_named(tmp_path, text, message):
    path = tmp_path / 'bad.json'
    path.write_text(text)
    for chunk in (1, 5, 1 << 20):
        with pytest.raises(ValueError, match=message):
            load_json_streamed(str(path), {'': same, 'keypoints': same},
                               chunk_size=chunk)


def test_deep_nesting_raises_recursion_error(tmp_path):
    path = tmp_path / 'deep.json'
    path.write_text('[' + '[' * 100000 + ']' * 100000 + ']')
    with pytest.raises(RecursionError):
        load_json_streamed(str(path), {'': same})
