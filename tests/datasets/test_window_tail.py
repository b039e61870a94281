"""``multiple_target_tail='anchor'``: the windows DiffPose-video / MixSTE
evaluate, on files in VideoPose3D's layout.

The original (GONGJIA0208/Diffpose_video ``common/data_video_utils.py``
``eval_data_prepare``) cuts each sequence into non-overlapping chunks of
the receptive field, re-anchors the last chunk to end at the last frame and
pads a sequence shorter than a chunk with its last frame; written out here
in numpy as the reference."""
import sys
from pathlib import Path

import numpy as np
import pytest

from poselift_mm.datasets import VideoPose3DH36MDataset
from poselift_mm.datasets.readers import (VIDEOPOSE3D_CAMERA_IDS,
                                          build_sequence_indices)

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fixtures_paper_formats as fx  # noqa: E402

F = 5  # the window (the original's receptive field)
LENGTHS = {'Walking 1': 12, 'Waiting': 3, 'Eating': 10}


def eval_data_prepare(x, f):
    n = len(x)
    out_num = -(-n // f)
    chunks = [x[i * f:(i + 1) * f] for i in range(out_num - 1)]
    if n < f:
        x = np.concatenate([x, np.repeat(x[-1:], f - n, 0)])
    return np.stack(chunks + [x[-f:]])


@pytest.fixture
def files(tmp_path):
    full, cams = fx.world_motion(subjects=('S9', ), actions=tuple(LENGTHS),
                                 num_frames=max(LENGTHS.values()), seed=3)
    motion = {'S9': {a: full['S9'][a][:n] for a, n in LENGTHS.items()}}
    fx.write_videopose3d_3d(tmp_path / 'data_3d_h36m.npz', motion)
    fx.write_cameras_pkl(tmp_path / 'cameras.pkl', cams)
    rng = np.random.default_rng(0)
    pos2d = {'S9': {a: [rng.uniform(0, 1000, (n, 17, 2)).astype(np.float32)
                        for _ in VIDEOPOSE3D_CAMERA_IDS]
                    for a, n in LENGTHS.items()}}
    fx.write_videopose3d_2d(tmp_path / 'data_2d_h36m_cpn_ft_h36m_dbb.npz',
                            pos2d)
    return tmp_path, pos2d


def dataset(root, tail):
    return VideoPose3DH36MDataset(
        ann_file=str(root / 'data_3d_h36m.npz'),
        camera_param_file=str(root / 'cameras.pkl'),
        keypoint_2d_file=str(root / 'data_2d_h36m_cpn_ft_h36m_dbb.npz'),
        seq_len=1, multiple_target=F, multiple_target_step=F,
        multiple_target_tail=tail, test_mode=True)


def windows_by_video(ds):
    out = {}
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        base = info['target_img_path'][0].rsplit('/', 1)[-1]
        video = base.rsplit('_', 1)[0]
        out.setdefault(video, []).append(info['keypoints'])
    return out


def test_anchor_is_the_original_chunking(files):
    root, pos2d = files
    got = windows_by_video(dataset(root, 'anchor'))
    assert len(got) == len(LENGTHS) * 4
    for action, cams in pos2d['S9'].items():
        for cam, uv in zip(VIDEOPOSE3D_CAMERA_IDS, cams):
            video = f"S9_{action.replace(' ', '_')}.{cam}"
            np.testing.assert_array_equal(np.stack(got[video]),
                                          eval_data_prepare(uv, F))
    # every frame of every video is scored (the overlap twice)
    ds = dataset(root, 'anchor')
    assert len(ds) == 4 * (3 + 1 + 2)


def test_drop_is_mmpose(files):
    root, pos2d = files
    got = windows_by_video(dataset(root, 'drop'))
    # the 3-frame video has no window; the others lose their tails
    assert 'S9_Waiting.54138969' not in got
    uv = pos2d['S9']['Walking 1'][0]
    np.testing.assert_array_equal(np.stack(got['S9_Walking_1.54138969']),
                                  np.stack([uv[0:5], uv[5:10]]))


def test_build_sequence_indices_tail():
    keys = ['a'] * 12 + ['b'] * 3 + ['c'] * 10
    drop = build_sequence_indices(keys, 1, multiple_target=5)
    assert drop == [list(range(0, 5)), list(range(5, 10)),
                    list(range(15, 20)), list(range(20, 25))]
    anchor = build_sequence_indices(keys, 1, multiple_target=5,
                                    multiple_target_tail='anchor')
    assert anchor == drop[:2] + [list(range(7, 12)), [12, 13, 14, 14, 14]] \
        + drop[2:]
    # overlapping windows: a last one only when the tail is not covered
    over = build_sequence_indices(['a'] * 9, 1, multiple_target=4,
                                  multiple_target_step=2,
                                  multiple_target_tail='anchor')
    assert [w[0] for w in over] == [0, 2, 4, 5]
    with pytest.raises(ValueError, match='multiple_target_tail'):
        build_sequence_indices(keys, 1, multiple_target=5,
                               multiple_target_tail='keep')


def test_bad_tail_is_refused(files):
    root, _ = files
    with pytest.raises(ValueError, match='multiple_target_tail'):
        dataset(root, 'pad')
