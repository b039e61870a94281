"""DiffPose's discrete diffusion: linear schedule, antithetic timesteps,
forward noising and the DDIM sampler (``generalized_steps``).

Everything here is a pure function in the style of k-diffusion samplers:
no object holds state, the schedule is an argument, randomness only comes
from an explicit ``generator``, and the denoiser is any callable
``eps_fn(x, t) -> eps``. The formulas follow GONGJIA0208/Diffpose
``common/utils_diff.py`` (``get_beta_schedule``, ``compute_alpha``,
``generalized_steps``) and ``runners/diffpose_frame.py`` (antithetic t,
scaled-noise target); see ``docs/design/diffpose_original.md`` section 5.

Conventions: ``abar`` (T,) holds ``abar_t = prod_{s<=t} (1 - beta_s)`` for
t = 0..T-1; the sampler extends it with ``abar_{-1} = 1``. The original runs
in float32 (``betas = torch.from_numpy(betas).float()``): pass
``linear_betas().float()`` to :func:`alphas_cumprod` to get its exact values.
"""
from typing import Callable, List, Optional, Sequence, Tuple, Union

import torch

__all__ = [
    'linear_betas', 'alphas_cumprod', 'antithetic_timesteps', 'q_sample',
    'ddim_sample', 'timestep_sequence'
]


def linear_betas(beta_start: float = 1e-4, beta_end: float = 1e-3,
                 num_steps: int = 51) -> torch.Tensor:
    """(num_steps,) float64 ``linspace(beta_start, beta_end, num_steps)``."""
    if num_steps < 1:
        raise ValueError(f'linear_betas: num_steps must be >= 1, got '
                         f'{num_steps}')
    if not 0 < beta_start <= beta_end < 1:
        raise ValueError('linear_betas: need 0 < beta_start <= beta_end < 1, '
                         f'got {beta_start}, {beta_end}')
    return torch.linspace(beta_start, beta_end, num_steps,
                          dtype=torch.float64)


def alphas_cumprod(betas: torch.Tensor) -> torch.Tensor:
    """(T,) betas -> (T,) ``abar_t = prod_{s<=t} (1 - beta_s)``, same dtype."""
    betas = torch.as_tensor(betas)
    if betas.ndim != 1 or len(betas) == 0:
        raise ValueError('alphas_cumprod: betas must be a non-empty 1-D '
                         f'tensor, got shape {tuple(betas.shape)}')
    return torch.cumprod(1. - betas, dim=0)


def antithetic_timesteps(n: int, num_steps: int = 51,
                         generator: Optional[torch.Generator] = None,
                         device=None) -> torch.Tensor:
    """(n,) long: ``n//2 + 1`` uniform draws from {0..T-1}, then their
    mirrors ``T-1-t``, truncated to ``n`` (DiffPose's training draw)."""
    if n < 1 or num_steps < 1:
        raise ValueError(f'antithetic_timesteps: n and num_steps must be '
                         f'>= 1, got {n}, {num_steps}')
    t = torch.randint(0, num_steps, (n // 2 + 1, ), generator=generator,
                      device=device)
    return torch.cat([t, num_steps - 1 - t])[:n]


def _per_batch(values: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """(B,) -> (B, 1, ..., 1) broadcastable against ``x`` (B, ...)."""
    return values.to(x.dtype).reshape((-1, ) + (1, ) * (x.dim() - 1))


def q_sample(x0: torch.Tensor, t: torch.Tensor, abar: torch.Tensor,
             noise: torch.Tensor) -> torch.Tensor:
    """``sqrt(abar_t) x0 + sqrt(1 - abar_t) noise``.

    ``x0`` (B, ..., K, C), ``t`` (B,) long indices into ``abar`` (T,),
    ``noise`` like ``x0``; DiffPose passes the *scaled* noise
    ``N(0, I) * noise_scale``, which is also the regression target.
    """
    t = torch.as_tensor(t, device=x0.device).long()
    if t.ndim != 1 or len(t) != x0.shape[0]:
        raise ValueError(f'q_sample: t must have shape ({x0.shape[0]},), got '
                         f'{tuple(t.shape)}')
    if noise.shape != x0.shape:
        raise ValueError(f'q_sample: noise shape {tuple(noise.shape)} != x0 '
                         f'shape {tuple(x0.shape)}')
    if (t < 0).any() or (t >= len(abar)).any():
        raise ValueError(f'q_sample: t must lie in [0, {len(abar) - 1}]')
    a = _per_batch(abar.to(x0.device)[t], x0)
    return a.sqrt() * x0 + (1. - a).sqrt() * noise


def timestep_sequence(num_timesteps: int, skip: int) -> List[int]:
    """DiffPose's uniform skip: ``list(range(0, N, N // S))`` with N =
    ``num_timesteps`` (test_num_diffusion_timesteps), S = ``skip``
    (test_timesteps); e.g. (24, 2) -> [0, 12], (6, 1) -> [0]."""
    if skip < 1 or num_timesteps < skip:
        raise ValueError('timestep_sequence: need 1 <= skip <= '
                         f'num_timesteps, got skip={skip}, '
                         f'num_timesteps={num_timesteps}')
    return list(range(0, num_timesteps, num_timesteps // skip))


def ddim_sample(eps_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
                x_start: torch.Tensor,
                seq: Sequence[int],
                abar: torch.Tensor,
                eta: float = 0.,
                generator: Optional[torch.Generator] = None,
                return_all: bool = False
                ) -> Union[torch.Tensor, Tuple[List[torch.Tensor],
                                               List[torch.Tensor]]]:
    """DDIM ``generalized_steps``: start at ``x_start`` (B, ...) as x at
    t = seq[-1] and step t -> t' over reversed ``seq`` (ascending indices
    into ``abar`` (T,)), with t' the previous element, -1 after seq[0]
    (``abar_{-1} = 1``). Per step, with a = abar_t, a' = abar_t':

        e  = eps_fn(x, t * ones(B, long))
        x0 = (x - sqrt(1 - a) e) / sqrt(a)
        c1 = eta sqrt((1 - a/a') (1 - a') / (1 - a));  c2 = sqrt(1 - a' - c1^2)
        x  = sqrt(a') x0 + c1 z + c2 e,   z ~ N(0, I) from ``generator``

    The coefficients are computed in ``x``'s dtype from ``abar`` cast to it
    (float32 ``abar`` and ``x`` reproduce the original bit for bit). No
    ``torch.no_grad`` here: wrap the call when sampling. Returns the final x,
    or with ``return_all`` the original's ``(xs, x0_preds)``: ``xs`` has the
    start and every step's x (len(seq) + 1), ``x0_preds`` each step's x0.
    """
    seq = [int(s) for s in seq]
    if not seq:
        raise ValueError('ddim_sample: seq is empty')
    if any(b <= a for a, b in zip(seq, seq[1:])):
        raise ValueError(f'ddim_sample: seq must be strictly ascending, got '
                         f'{seq}')
    if seq[0] < 0 or seq[-1] >= len(abar):
        raise ValueError(f'ddim_sample: seq {seq} outside [0, '
                         f'{len(abar) - 1}] (len(abar) = {len(abar)})')
    if eta < 0:
        raise ValueError(f'ddim_sample: eta must be >= 0, got {eta}')
    x = x_start
    n = x.shape[0]
    abar = torch.as_tensor(abar).to(device=x.device, dtype=x.dtype)
    abar_ext = torch.cat([abar.new_ones(1), abar])  # index t + 1
    seq_next = [-1] + seq[:-1]
    xs, x0_preds = [x], []
    for t, t_next in zip(reversed(seq), reversed(seq_next)):
        a, a_next = abar_ext[t + 1], abar_ext[t_next + 1]
        t_vec = torch.full((n, ), t, dtype=torch.long, device=x.device)
        eps = eps_fn(x, t_vec)
        if eps.shape != x.shape:
            raise ValueError(f'ddim_sample: eps_fn returned shape '
                             f'{tuple(eps.shape)}, expected {tuple(x.shape)}')
        x0 = (x - eps * (1. - a).sqrt()) / a.sqrt()
        c1 = eta * ((1. - a / a_next) * (1. - a_next) / (1. - a)).sqrt()
        c2 = ((1. - a_next) - c1**2).sqrt()
        x = a_next.sqrt() * x0
        if eta > 0:  # same summation order as the original
            x = x + c1 * torch.randn(x.shape, generator=generator,
                                     dtype=x.dtype, device=x.device)
        x = x + c2 * eps
        x0_preds.append(x0)
        xs.append(x)
    return (xs, x0_preds) if return_all else x
