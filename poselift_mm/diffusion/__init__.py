"""Diffusion processes (SDEs) and reverse-time steps."""
from .sde import SubVPSDE, dsm_loss, reverse_step, score_from_noise

__all__ = ['SubVPSDE', 'score_from_noise', 'reverse_step', 'dsm_loss']
