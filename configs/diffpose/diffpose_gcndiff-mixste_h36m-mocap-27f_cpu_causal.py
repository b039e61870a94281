# Video DiffPose (the released MixSTE-27 + GCNdiff weights of
# diffpose_gcndiff-mixste_h36m-mocap-27f_cpu.py, unchanged) used ONLINE:
# each 27-frame window ends at the frame being lifted and only that last
# frame is output. This is what MMPose's inferencer can feed on a video
# (only past frames exist; the first frames are padded with the first one):
#   MMPoseInferencer(pose2d=..., pose3d=<this file>, pose3d_weights=<ckpt>)
# Offline (all frames read first, windows centred on each frame) use the
# seq-to-seq config, tools/lift.py or tools/demo.py --offline.
# Test: S8, every 20th frame (the frame configs' 11,683 frames).
_base_ = ['./diffpose_gcndiff-mixste_h36m-mocap-27f_cpu.py']

window = 27
model = dict(test_cfg=dict(output_frame='last'))
val_dataloader = dict(
    batch_size=256,
    dataset=dict(seq_len=window, causal=True, pad_video_seq=True,
                 multiple_target=0, multiple_target_step=0,
                 sample_stride=20))
test_dataloader = val_dataloader
