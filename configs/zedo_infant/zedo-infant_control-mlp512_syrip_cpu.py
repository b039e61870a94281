# ZeDO-infant, control branch: the adult CPU ZeDO prior frozen, a trainable
# ControlNet-like copy of its input layer and residual blocks with a learned
# infant condition, joined through zero-initialised projections
# (ZeDOControlMLP; at initialisation it equals the adult prior), trained on
# SyRIP's infant 3D training poses by denoising score matching
# (ipl-uw/ZeDO-Release Control_ScoreModelFC_Adv, repaired:
# docs/zedo_infant.md); tested with the infant optimisation of the base
# config. The adult weights are loaded by the denoiser's init_weights
# (pretrained=...) before the copy, when tools/train.py starts.
#   python tools/train.py configs/zedo_infant/zedo-infant_control-mlp512_syrip_cpu.py \
#       --work-dir work_dirs/infant/control
_base_ = ['./zedo-infant_adult-prior-mlp512_syrip-gt2d.py']

model = dict(
    head=dict(
        denoiser=dict(
            type='ZeDOControlMLP', pretrained=_base_.adult_prior,
            freeze_prior=True)))
