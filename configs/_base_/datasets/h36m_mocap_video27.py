# The data of h36m_mocap.py in 27-frame windows; every window predicts all
# its 27 frames (seq-to-seq, MMPose's multiple_target). Training takes every
# 2nd of the non-overlapping windows (CPU budget); validation takes every
# 4th window of S8 (2,149 windows).
_base_ = ['./h36m_mocap.py']

window = 27
seq_common = dict(seq_len=1, multiple_target=window, causal=True)
train_dataloader = dict(
    batch_size=32,
    dataset=dict(sample_stride=2, multiple_target_step=window, **seq_common))
val_dataloader = dict(
    batch_size=64,
    dataset=dict(sample_stride=4, multiple_target_step=window, **seq_common))
test_dataloader = val_dataloader
