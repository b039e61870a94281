# ZeDO-infant, fine-tuned prior: the adult CPU ZeDO prior (all its weights)
# trained on, then tested on, SyRIP's infant 3D poses (500 training poses;
# the 2D is never used in training) by denoising score matching, as
# ipl-uw/ZeDO-Release run/train_pose_mini.py --fine_tune; tested with the
# infant optimisation of the base config. CPU budget and command:
# docs/zedo_infant.md.
#   python tools/train.py configs/zedo_infant/zedo-infant_finetune-mlp512_syrip_cpu.py \
#       --work-dir work_dirs/infant/finetune
_base_ = ['./zedo-infant_adult-prior-mlp512_syrip-gt2d.py']

load_from = _base_.adult_prior
