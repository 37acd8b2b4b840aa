"""The training loop, with the faults and remedies a scenario switches on.

The loop follows the PyTorch DCGAN example's order (one fake batch per step:
D sees it detached, then G's step scores the *same* batch), so the two
``D(G(z))`` values mean what trainers print: ``d_g_z1`` during D's step,
before its update, ``d_g_z2`` in G's step, after it. When D is not updated
(the forum question's gate) the two are identical -- exactly the signature
the GAN202 detector looks for.

Every ``log_every`` steps one record is kept: losses and their parts, D(x),
D(G(z)) before/after, gradient norms, learning rates, and a quality measure
(modes covered, diversity and a sliced Wasserstein distance on 2-D data;
diversity on images). Evaluation draws from its own random generator, so how
often a run logs never changes its trajectory. ``log_every=0`` switches all
logging off (the plain loop the speed benchmark compares against).

The loop also records *ground-truth events* that only the trainer can know
(the first step D's update was skipped, the step D died, the first
non-finite parameter): the detection benchmark scores detectors against them.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import torch
import torch.nn.functional as F

from .config import TrainConfig
from .data import Mixture2D, make_dataset
from .models import EMA, build_models


#: diversity (G's spread over the data's) below which the samples count as collapsed
COLLAPSED_DIVERSITY = 0.3


@dataclass
class TrainResult:
    config: TrainConfig
    seed: int
    device: str
    records: list[dict[str, Any]]
    #: ground-truth events: name -> first step it happened (absent when it never did)
    events: dict[str, int] = field(default_factory=dict)
    wall_s: float = 0.0
    steps: int = 0

    @property
    def steps_per_s(self) -> float:
        return self.steps / self.wall_s if self.wall_s > 0 else math.nan


def pick_device(device: str = "auto") -> torch.device:
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("--device cuda was asked for but torch sees no CUDA device")
    return torch.device(device)


# -- losses ------------------------------------------------------------------------


def d_loss_parts(cfg: TrainConfig, out_r: torch.Tensor, out_f: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(loss on real, loss on fake) for D, from logits/scores."""
    real_target = 1.0 - cfg.label_smoothing
    if cfg.loss in ("bce", "bce_sat"):
        return (F.binary_cross_entropy_with_logits(out_r, torch.full_like(out_r, real_target)),
                F.binary_cross_entropy_with_logits(out_f, torch.zeros_like(out_f)))
    if cfg.loss == "mse":
        return (F.mse_loss(torch.sigmoid(out_r), torch.full_like(out_r, real_target)),
                F.mse_loss(torch.sigmoid(out_f), torch.zeros_like(out_f)))
    if cfg.loss == "lsgan":
        return 0.5 * ((out_r - real_target) ** 2).mean(), 0.5 * (out_f**2).mean()
    if cfg.loss == "hinge":
        return F.relu(1.0 - out_r).mean(), F.relu(1.0 + out_f).mean()
    # wgan, wgan_gp: the critic maximises E[D(x)] - E[D(G(z))]
    return -out_r.mean(), out_f.mean()


def g_loss(cfg: TrainConfig, out_f: torch.Tensor) -> torch.Tensor:
    if cfg.loss == "bce":
        return F.binary_cross_entropy_with_logits(out_f, torch.ones_like(out_f))
    if cfg.loss == "bce_sat":  # minimise log(1 - D(G(z))): saturates when D wins
        return -F.binary_cross_entropy_with_logits(out_f, torch.zeros_like(out_f))
    if cfg.loss == "mse":
        return F.mse_loss(torch.sigmoid(out_f), torch.ones_like(out_f))
    if cfg.loss == "lsgan":
        return 0.5 * ((out_f - 1.0) ** 2).mean()
    return -out_f.mean()  # hinge, wgan and wgan_gp


def gradient_penalty(D: torch.nn.Module, real: torch.Tensor, fake: torch.Tensor,
                     gen: torch.Generator) -> torch.Tensor:
    """WGAN-GP: (||grad D(x_hat)|| - 1)^2 on random interpolates (Gulrajani et al. 2017)."""
    shape = (real.shape[0],) + (1,) * (real.dim() - 1)
    eps = torch.rand(shape, generator=gen, device=gen.device).to(real.device)
    x_hat = (eps * real + (1 - eps) * fake).requires_grad_(True)
    (g,) = torch.autograd.grad(D(x_hat).sum(), x_hat, create_graph=True)
    return ((g.reshape(g.shape[0], -1).norm(dim=1) - 1.0) ** 2).mean()


def r1_penalty(out_r: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    """R1: gamma/2 * E||grad_x D(x)||^2 on real data (Mescheder et al. 2018)."""
    (g,) = torch.autograd.grad(out_r.sum(), real, create_graph=True)
    return 0.5 * g.reshape(g.shape[0], -1).pow(2).sum(dim=1).mean()


def _grad_norm(module: torch.nn.Module) -> torch.Tensor:
    """The global L2 norm of a module's gradients, as a 0-d tensor (0 when none was taken)."""
    grads = [p.grad.detach() for p in module.parameters() if p.grad is not None]
    if not grads:
        return torch.zeros((), device=next(module.parameters()).device)
    return torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))


def _prob(cfg: TrainConfig, out: torch.Tensor) -> torch.Tensor:
    """What a trainer prints as D(.): the mean sigmoid for probability losses, else the mean score."""
    out = out.detach()
    return torch.sigmoid(out).mean() if cfg.sigmoid_outputs else out.mean()


def _fetch(tensors: dict[str, torch.Tensor]) -> dict[str, float]:
    """Copy a record's scalars to the host in one transfer.

    Calling ``.item()`` per number would synchronise with the GPU a dozen
    times per logged step; stacking first makes logging cost one wait.
    """
    stacked = torch.stack([t.detach().reshape(()).to(torch.float32) for t in tensors.values()])
    return dict(zip(tensors, stacked.tolist()))


class _Ada:
    """ADA's feedback loop (Karras et al. 2020) on small images.

    Each D input is augmented with probability ``p`` (x-flip, a 90-degree rotation, an
    integer translation and a contrast change, each drawn per image); every
    ``ada_interval`` D steps ``p`` moves towards keeping r_t = E[sign(D(real))] at the
    target, by ``batch * interval / (ada_kimg * 1000)`` per adjustment.
    """

    def __init__(self, cfg: TrainConfig) -> None:
        self.cfg = cfg
        self.p = torch.zeros(())
        self._signs: list[torch.Tensor] = []
        self._seen = 0

    def augment(self, x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        p = float(self.p)
        if p <= 0 or x.dim() != 4:
            return x
        n = x.shape[0]

        def pick() -> torch.Tensor:
            return (torch.rand(n, generator=gen, device=gen.device) < p).to(x.device).view(n, 1, 1, 1)

        x = torch.where(pick(), x.flip(3), x)
        x = torch.where(pick(), x.rot90(1, (2, 3)), x)
        shift = int(torch.randint(-3, 4, (1,), generator=gen, device=gen.device))
        x = torch.where(pick(), x.roll((shift, shift), dims=(2, 3)), x)
        scale = 0.5 + torch.rand(n, 1, 1, 1, generator=gen, device=gen.device).to(x.device)
        return torch.where(pick(), x * scale, x)

    def observe(self, out_r: torch.Tensor, batch: int) -> None:
        self._signs.append(out_r.detach().sign().mean())
        self._seen += 1
        if self._seen % self.cfg.ada_interval:
            return
        r_t = torch.stack(self._signs).mean()
        self._signs.clear()
        step = batch * self.cfg.ada_interval / (self.cfg.ada_kimg * 1000.0)
        self.p = (self.p + torch.sign(r_t - self.cfg.ada_target).cpu() * step).clamp(0.0, 1.0)


# -- the loop --------------------------------------------------------------------------


def build_networks(cfg: TrainConfig, dev: torch.device) -> tuple[torch.nn.Module, torch.nn.Module]:
    """(G, D) for ``cfg`` on ``dev``: the data set's model family, widths, spectral norm, D's faults."""
    d_width = cfg.width if cfg.d_width is None else cfg.d_width
    G, D = build_models(cfg.data_kind, z_dim=cfg.z_dim, width=cfg.width, d_width=d_width,
                        spectral_norm=cfg.spectral_norm, output_relu=cfg.d_output_relu)
    return G.to(dev), D.to(dev)


def build_optimizers(cfg: TrainConfig, G: torch.nn.Module,
                     D: torch.nn.Module) -> tuple[torch.optim.Optimizer, torch.optim.Optimizer]:
    """(G's optimiser, D's optimiser): SGD or Adam with ``cfg``'s learning rates and betas."""
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(G.parameters(), lr=cfg.lr_g), torch.optim.SGD(D.parameters(), lr=cfg.lr_d)
    betas = (cfg.beta1, cfg.beta2)
    return (torch.optim.Adam(G.parameters(), lr=cfg.lr_g, betas=betas),
            torch.optim.Adam(D.parameters(), lr=cfg.lr_d, betas=betas))


def train(cfg: TrainConfig, seed: int = 0, device: str = "auto",
          on_record: Callable[[dict[str, Any]], None] | None = None,
          on_step: Callable[[int], None] | None = None) -> TrainResult:
    """Train one run; return its logged records and ground-truth events."""
    cfg.validate()
    dev = pick_device(device)
    torch.manual_seed(seed)
    gen = torch.Generator(device=dev).manual_seed(seed)
    eval_gen = torch.Generator(device=dev).manual_seed(seed + 7919)

    data = make_dataset(cfg.data, seed, cfg.n_images).to(dev)
    G, D = build_networks(cfg, dev)
    opt_g, opt_d = build_optimizers(cfg, G, D)
    ema = EMA(G, cfg.ema_decay) if cfg.ema_decay > 0 else None

    records: list[dict[str, Any]] = []
    events: dict[str, int] = {}
    ada = _Ada(cfg) if cfg.ada_target > 0 else None
    B, z_dim = cfg.batch_size, cfg.z_dim
    logging = cfg.log_every > 0
    t0 = time.perf_counter()

    for step in range(cfg.steps):
        if on_step is not None and step:
            on_step(step - 1)  # the previous step is done (progress, cheap: it throttles itself)
        if 0 <= cfg.lr_growth_from <= step:
            for opt in (opt_d, opt_g):
                for group in opt.param_groups:
                    group["lr"] *= cfg.lr_growth
        log_now = logging and (step % cfg.log_every == 0 or step == cfg.steps - 1)
        noise_std = cfg.instance_noise * max(0.0, 1.0 - step / cfg.steps)

        z = torch.randn(B, z_dim, generator=gen, device=dev)
        fake = G(z)
        g_grads_early: list[torch.Tensor | None] | None = None
        if cfg.simultaneous:
            # Plain simultaneous play: G's gradient is taken against D *before* D moves.
            out_g0 = D(fake)
            G.zero_grad(set_to_none=True)
            g_loss(cfg, out_g0).backward(inputs=list(G.parameters()))
            g_grads_early = [p.grad.clone() if p.grad is not None else None for p in G.parameters()]

        d_updated = False
        gnorm_d: torch.Tensor | None = None
        for k in range(cfg.d_steps):
            real = data.sample(B, gen)
            if k < cfg.d_steps - 1:  # extra D steps see fresh fakes
                with torch.no_grad():
                    fake_d = G(torch.randn(B, z_dim, generator=gen, device=dev))
            else:
                fake_d = fake.detach()
            if noise_std > 0:
                real = real + noise_std * torch.randn(real.shape, generator=gen, device=dev)
                fake_d = fake_d + noise_std * torch.randn(fake_d.shape, generator=gen, device=dev)
            if ada is not None:
                real, fake_d = ada.augment(real, gen), ada.augment(fake_d, gen)
            if cfg.r1_gamma > 0:
                real.requires_grad_(True)
            out_r = D(real)
            out_f = D(fake_d)
            if ada is not None:
                ada.observe(out_r, B)
            loss_real, loss_fake = d_loss_parts(cfg, out_r, out_f)
            loss_d = loss_real + loss_fake
            penalty_gp = penalty_r1 = None
            if cfg.loss == "wgan_gp":
                penalty_gp = gradient_penalty(D, real.detach(), fake_d, gen)
                loss_d = loss_d + cfg.gp_lambda * penalty_gp
            if cfg.r1_gamma > 0:
                penalty_r1 = r1_penalty(out_r, real)
                loss_d = loss_d + cfg.r1_gamma * penalty_r1
            opt_d.zero_grad(set_to_none=True)
            if cfg.d_gate > 0:
                # The forum question's loop: each part is back-propagated only when it
                # is above the gate, and D steps only when one of them was.
                stepped = False
                if loss_real.item() > cfg.d_gate:
                    loss_real.backward(retain_graph=True)
                    stepped = True
                if loss_fake.item() > cfg.d_gate:
                    loss_fake.backward()
                    stepped = True
                if not stepped:
                    events.setdefault("d_update_skipped", step)
            else:
                loss_d.backward()
                stepped = True
            if log_now and k == cfg.d_steps - 1:
                gnorm_d = _grad_norm(D)
            if stepped:
                if cfg.grad_clip > 0:
                    torch.nn.utils.clip_grad_norm_(D.parameters(), cfg.grad_clip)
                opt_d.step()
                d_updated = True

        # G step on the same fake batch the D step scored.
        fake_in = fake
        if noise_std > 0:
            fake_in = fake + noise_std * torch.randn(fake.shape, generator=gen, device=dev)
        if ada is not None:
            fake_in = ada.augment(fake_in, gen)
        if g_grads_early is not None:
            for p, g in zip(G.parameters(), g_grads_early):
                p.grad = g
            with torch.no_grad():
                out_g = D(fake_in)
                loss_g = g_loss(cfg, out_g)
        else:
            out_g = D(fake_in)
            loss_g = g_loss(cfg, out_g)
            opt_g.zero_grad(set_to_none=True)
            loss_g.backward(inputs=list(G.parameters()))
        gnorm_g = _grad_norm(G) if log_now else None
        if cfg.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(G.parameters(), cfg.grad_clip)
        opt_g.step()
        if ema is not None:
            ema.update(G)

        if not log_now:
            continue
        assert gnorm_d is not None and gnorm_g is not None
        on_device: dict[str, torch.Tensor] = {
            "loss_d": loss_d, "loss_g": loss_g, "loss_d_real": loss_real, "loss_d_fake": loss_fake,
            "d_x": _prob(cfg, out_r), "d_g_z1": _prob(cfg, out_f), "d_g_z2": _prob(cfg, out_g),
            "grad_norm_d": gnorm_d, "grad_norm_g": gnorm_g,
        }
        if cfg.sigmoid_outputs:
            on_device["d_acc"] = 0.5 * ((out_r > 0).float().mean() + (out_f < 0).float().mean())
        if penalty_gp is not None:
            on_device["gradient_penalty"] = penalty_gp
        if penalty_r1 is not None:
            on_device["r1_penalty"] = penalty_r1
            on_device["loss_d_reg"] = cfg.r1_gamma * penalty_r1
        if penalty_gp is not None:
            on_device["loss_d_reg"] = cfg.gp_lambda * penalty_gp
        # what StyleGAN logs as Loss/scores/* and Loss/signs/*
        on_device["d_real_logit"] = out_r.detach().mean()
        on_device["d_fake_logit"] = out_f.detach().mean()
        on_device["d_real_sign"] = out_r.detach().sign().mean()
        on_device["d_fake_sign"] = out_f.detach().sign().mean()
        if ada is not None:
            on_device["aug_p"] = ada.p.clone()
        on_device.update(_evaluate(cfg, data, ema.model if ema is not None else G, fake, eval_gen))
        on_device.update(_event_signals(D, out_r, out_f))
        values = _fetch(on_device)
        signals = {k: values.pop(k) for k in _SIGNALS}
        rec: dict[str, Any] = {
            "step": step, "epoch": step // cfg.iters_per_epoch, "iter": step % cfg.iters_per_epoch,
            **values,
            "lr_d": opt_d.param_groups[0]["lr"], "lr_g": opt_g.param_groups[0]["lr"],
            "wall_time": time.time(),
        }
        _note_events(cfg, rec, signals, events, d_updated)
        records.append(rec)
        if on_record is not None:
            on_record(rec)

    if dev.type == "cuda":
        torch.cuda.synchronize()
    wall = time.perf_counter() - t0
    return TrainResult(cfg, seed, str(dev), records, events, wall, cfg.steps)


@torch.no_grad()
def _evaluate(cfg: TrainConfig, data: Any, G: torch.nn.Module, fake: torch.Tensor,
              eval_gen: torch.Generator) -> dict[str, torch.Tensor]:
    """Sample-quality measures as 0-d tensors (fetched with the rest of the record)."""
    if isinstance(data, Mixture2D):
        z = torch.randn(cfg.eval_samples, cfg.z_dim, generator=eval_gen, device=eval_gen.device)
        x = G(z)
        out: dict[str, torch.Tensor] = {}
        if data.name != "dirac":  # one real point: diversity and modes mean nothing there
            out["diversity"] = data.diversity(x)
            out["modes_covered"], out["high_quality_share"] = data.coverage(x)
        out["swd"] = data.distance(x, eval_gen)
        return out
    return {"diversity": data.diversity(fake)}


#: Private per-record signals for the ground-truth events (not logged).
_SIGNALS = ("_weights_finite", "_d_dead")


@torch.no_grad()
def _event_signals(D: torch.nn.Module, out_r: torch.Tensor, out_f: torch.Tensor) -> dict[str, torch.Tensor]:
    finite = torch.stack([torch.isfinite(p).all() for p in D.parameters()]).all()
    dead = (out_r <= 0).all() & (out_f <= 0).all()
    return {"_weights_finite": finite, "_d_dead": dead}


def _note_events(cfg: TrainConfig, rec: dict[str, Any], signals: dict[str, float],
                 events: dict[str, int], d_updated: bool) -> None:
    step = rec["step"]
    vals = [rec["loss_d"], rec["loss_g"]]
    if not all(math.isfinite(v) for v in vals):
        events.setdefault("non_finite_loss", step)
    if not signals["_weights_finite"]:
        events.setdefault("non_finite_weights", step)
    # A ReLU on D's output with every logit at 0: sigmoid(0) = 0.5 everywhere, no gradient.
    if cfg.d_output_relu and signals["_d_dead"]:
        events.setdefault("d_dead", step)
    if cfg.d_gate > 0 and not d_updated:
        events.setdefault("d_frozen_logged", step)
    # Mode collapse: after a short warm-up, G's samples spread less than a third as much as the data.
    if step >= cfg.steps // 20 and rec.get("diversity", math.inf) < COLLAPSED_DIVERSITY:
        events.setdefault("mode_collapse", step)
