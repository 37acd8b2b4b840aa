"""The remedy catalog: what to change when a detector fires, with a sketch and references.

Detectors point at remedy ids, most likely to help first; reports look the
ids up here. Each entry says when it applies, what to change, a short PyTorch
sketch, and the papers behind it, so a report can explain *why* as well as *what*.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Reference:
    title: str
    authors: str
    year: int
    venue: str = ""

    def __str__(self) -> str:
        venue = f", {self.venue}" if self.venue else ""
        return f"{self.authors} ({self.year}). {self.title}{venue}."


@dataclass(frozen=True)
class Remedy:
    id: str
    title: str
    #: when this remedy applies (symptoms it helps with)
    applies: str
    #: what to change, in a sentence or two
    change: str
    #: a short PyTorch sketch of the change
    sketch: str = ""
    references: tuple[Reference, ...] = field(default_factory=tuple)


CATALOG: dict[str, Remedy] = {}


def _add(remedy: Remedy) -> None:
    if remedy.id in CATALOG:
        raise RuntimeError(f"remedy {remedy.id} defined twice")
    CATALOG[remedy.id] = remedy


def get(remedy_id: str) -> Remedy:
    try:
        return CATALOG[remedy_id]
    except KeyError:
        raise KeyError(f"unknown remedy id {remedy_id!r}") from None


_add(Remedy(
    id="ttur",
    title="Two time-scale update rule (separate learning rates)",
    applies="The discriminator wins too fast, or the two networks oscillate.",
    change="Give D and G their own learning rates, typically G's lower than D's "
           "(e.g. 1e-4 for G, 4e-4 for D with Adam betas (0, 0.9)), or lower D's when D dominates.",
    sketch="opt_d = torch.optim.Adam(D.parameters(), lr=4e-4, betas=(0.0, 0.9))\n"
           "opt_g = torch.optim.Adam(G.parameters(), lr=1e-4, betas=(0.0, 0.9))",
    references=(Reference("GANs trained by a two time-scale update rule converge to a local Nash equilibrium",
                          "Heusel et al.", 2017, "NeurIPS"),),
))


def _r(title: str, authors: str, year: int, venue: str = "") -> Reference:
    return Reference(title, authors, year, venue)


_HEUSEL = _r("GANs trained by a two time-scale update rule converge to a local Nash equilibrium",
             "Heusel et al.", 2017, "NeurIPS")
_SALIMANS = _r("Improved techniques for training GANs", "Salimans et al.", 2016, "NeurIPS")
_GOODFELLOW = _r("Generative adversarial nets", "Goodfellow et al.", 2014, "NeurIPS")
_MESCHEDER = _r("Which training methods for GANs do actually converge?", "Mescheder et al.", 2018, "ICML")
_GULRAJANI = _r("Improved training of Wasserstein GANs", "Gulrajani et al.", 2017, "NeurIPS")
_MIYATO = _r("Spectral normalization for generative adversarial networks", "Miyato et al.", 2018, "ICLR")
_KARRAS_ADA = _r("Training generative adversarial networks with limited data", "Karras et al.", 2020, "NeurIPS")

_add(Remedy(
    id="training-ratio",
    title="Change the training ratio (D steps per G step)",
    applies="One network outpaces the other: D loss collapsing (fewer D steps) or D failing (more D steps).",
    change="Update the weaker network more often: n_critic D steps per G step (5 for WGAN-GP critics), "
           "or several G steps per D step when D dominates. Prefer this to skipping updates on a loss threshold.",
    sketch="for i, real in enumerate(loader):\n"
           "    d_step(real)                    # every batch\n"
           "    if i % n_critic == 0:           # n_critic = 5 for WGAN-GP, 1 for DCGAN\n"
           "        g_step()",
    references=(_GULRAJANI, _GOODFELLOW),
))
_add(Remedy(
    id="one-sided-label-smoothing",
    title="One-sided label smoothing (real targets 0.9)",
    applies="D is over-confident on real data: D(x) pinned at 1, D loss near zero.",
    change="Train D with real targets of 0.9 instead of 1; keep fake targets at 0 (smoothing them "
           "too rewards G's mistakes).",
    sketch="real_t = torch.full((b,), 0.9, device=dev)   # was 1.0\n"
           "fake_t = torch.zeros(b, device=dev)\n"
           "loss_d = bce(D(real), real_t) + bce(D(fake.detach()), fake_t)",
    references=(_SALIMANS, _r("Rethinking the Inception architecture for computer vision",
                              "Szegedy et al.", 2016, "CVPR")),
))
_add(Remedy(
    id="noisy-labels",
    title="Noisy or occasionally flipped labels for D",
    applies="D wins too easily or memorises; a cheap regulariser when D dominates.",
    change="Draw real targets from [0.8, 1.0] and fake targets from [0.0, 0.2], and flip a few percent "
           "of labels each batch.",
    sketch="real_t = torch.empty(b, device=dev).uniform_(0.8, 1.0)\n"
           "fake_t = torch.empty(b, device=dev).uniform_(0.0, 0.2)\n"
           "flip = torch.rand(b, device=dev) < 0.05\n"
           "real_t[flip], fake_t[flip] = fake_t[flip], real_t[flip]",
    references=(_SALIMANS, _r("How to train a GAN? Tips and tricks to make GANs work (ganhacks)",
                              "Chintala et al.", 2016, "NeurIPS workshop talk")),
))
_add(Remedy(
    id="instance-noise",
    title="Instance noise on D's inputs (annealed)",
    applies="D separates real from fake perfectly (disjoint supports): D loss at zero, outputs saturated.",
    change="Add Gaussian noise to both real and fake images before D, starting around 0.1 and decaying "
           "to 0 over training, so the two distributions overlap.",
    sketch="sigma = 0.1 * max(0.0, 1 - step / anneal_steps)\n"
           "d_real = D(real + sigma * torch.randn_like(real))\n"
           "d_fake = D(fake.detach() + sigma * torch.randn_like(fake))",
    references=(_r("Amortised MAP inference for image super-resolution", "Sønderby et al.", 2017, "ICLR"),
                _r("Towards principled methods for training generative adversarial networks",
                   "Arjovsky and Bottou", 2017, "ICLR")),
))
_add(Remedy(
    id="spectral-norm",
    title="Spectral normalization in D",
    applies="D dominates, oscillates or its gradients explode; a Lipschitz bound on D helps nearly every GAN.",
    change="Wrap each conv/linear layer of D in spectral_norm (and drop batch norm from D).",
    sketch="from torch.nn.utils.parametrizations import spectral_norm\n"
           "D = nn.Sequential(spectral_norm(nn.Conv2d(3, 64, 4, 2, 1)), nn.LeakyReLU(0.2),\n"
           "                  spectral_norm(nn.Conv2d(64, 128, 4, 2, 1)), nn.LeakyReLU(0.2), ...)",
    references=(_MIYATO,),
))
_add(Remedy(
    id="wgan-gp",
    title="Wasserstein loss with gradient penalty (WGAN-GP)",
    applies="Saturating or unstable BCE training, vanishing gradients, divergence; mode collapse.",
    change="Use a critic without sigmoid, loss D(fake) - D(real) + 10 * GP, G loss -D(fake), 5 critic "
           "steps per G step, Adam(1e-4, betas=(0.0, 0.9)). Expect a negative critic loss; it is normal.",
    sketch="eps = torch.rand(b, 1, 1, 1, device=dev)\n"
           "xh = (eps * real + (1 - eps) * fake.detach()).requires_grad_(True)\n"
           "g, = torch.autograd.grad(D(xh).sum(), xh, create_graph=True)\n"
           "gp = ((g.flatten(1).norm(dim=1) - 1) ** 2).mean()\n"
           "loss_d = D(fake.detach()).mean() - D(real).mean() + 10 * gp",
    references=(_GULRAJANI, _r("Wasserstein GAN", "Arjovsky et al.", 2017, "ICML")),
))
_add(Remedy(
    id="r1-penalty",
    title="Zero-centred R1 gradient penalty on real data",
    applies="D overpowers G or the two oscillate without converging.",
    change="Add gamma/2 * ||grad_x D(x)||^2 on real samples to D's loss (gamma 0.1-10; lazily every 16 steps "
           "is enough).",
    sketch="real.requires_grad_(True)\n"
           "out = D(real)\n"
           "g, = torch.autograd.grad(out.sum(), real, create_graph=True)\n"
           "loss_d = loss_d + (gamma / 2) * g.pow(2).flatten(1).sum(1).mean()",
    references=(_MESCHEDER,),
))
_add(Remedy(
    id="d-weight-decay",
    title="L2 regularisation (weight decay) on D's weights",
    applies="D memorises the data and wins: D(x) pinned, D loss collapsing on small data sets.",
    change="Give D's optimizer a small weight decay (1e-5 to 1e-3), leaving G's at 0.",
    sketch="opt_d = torch.optim.AdamW(D.parameters(), lr=2e-4, betas=(0.5, 0.999), weight_decay=1e-4)",
    references=(_r("A large-scale study on regularization and normalization in GANs", "Kurach et al.", 2019, "ICML"),),
))
_add(Remedy(
    id="ema-generator",
    title="Exponential moving average of G's weights",
    applies="Losses oscillate or quality fluctuates between evaluations; always worth having for sampling.",
    change="Keep an EMA copy of G (decay 0.999) updated after each G step; sample and evaluate with it.",
    sketch="G_ema = copy.deepcopy(G).eval().requires_grad_(False)\n"
           "with torch.no_grad():\n"
           "    for pe, p in zip(G_ema.parameters(), G.parameters()):\n"
           "        pe.lerp_(p, 1 - 0.999)",
    references=(_r("The unusual effectiveness of averaging in GAN training", "Yazıcı et al.", 2019, "ICLR"),
                _r("Progressive growing of GANs for improved quality, stability, and variation",
                   "Karras et al.", 2018, "ICLR")),
))
_add(Remedy(
    id="non-saturating-loss",
    title="Non-saturating generator loss",
    applies="G's gradient vanishes when D rejects fakes: G loss stuck, D(G(z)) near 0.",
    change="Train G to maximise log D(G(z)) (targets 1 for fakes in G's step) instead of minimising "
           "log(1 - D(G(z))).",
    sketch="# not: loss_g = -bce(D(fake), zeros)   (saturating minimax)\n"
           "loss_g = F.binary_cross_entropy_with_logits(D(fake), torch.ones(b, device=dev))",
    references=(_GOODFELLOW,),
))
_add(Remedy(
    id="bce-with-logits",
    title="Compute losses from logits (BCEWithLogitsLoss)",
    applies="Losses at 100 or 16.118, D outputs printed as exactly 0 or 1, NaN from log(0).",
    change="Remove the final sigmoid from D and use BCEWithLogitsLoss (log-sum-exp is stable); apply "
           "torch.sigmoid only to print D(x).",
    sketch="D = nn.Sequential(..., nn.Linear(256, 1))          # no nn.Sigmoid()\n"
           "crit = nn.BCEWithLogitsLoss()\n"
           "loss_d = crit(D(real), ones) + crit(D(fake.detach()), zeros)\n"
           "d_x = torch.sigmoid(D(real)).mean().item()",
    references=(_r("PyTorch documentation: BCEWithLogitsLoss", "PyTorch contributors", 2019),),
))
_add(Remedy(
    id="grad-clipping",
    title="Gradient clipping",
    applies="Gradient norms spike, losses jump by orders of magnitude, NaN follows.",
    change="Clip the global gradient norm of each network before its optimizer step (e.g. 1.0-10).",
    sketch="loss_d.backward()\n"
           "torch.nn.utils.clip_grad_norm_(D.parameters(), max_norm=1.0)\n"
           "opt_d.step()",
    references=(_r("On the difficulty of training recurrent neural networks", "Pascanu et al.", 2013, "ICML"),),
))
_add(Remedy(
    id="lr-reduction",
    title="Lower the learning rate (or decay it)",
    applies="Divergence, NaN, oscillation that does not decay, exploding gradients.",
    change="Halve or tenth the learning rate of the unstable network, or add a decay schedule; restart "
           "from the last good checkpoint.",
    sketch="for g in opt_d.param_groups:\n"
           "    g['lr'] *= 0.5\n"
           "sched = torch.optim.lr_scheduler.ExponentialLR(opt_g, gamma=0.99)",
    references=(_HEUSEL, _r("Adam: a method for stochastic optimization", "Kingma and Ba", 2015, "ICLR")),
))
_add(Remedy(
    id="remove-d-gate",
    title="Remove the loss-threshold gate on the D update",
    applies="D(G(z)) identical before and after the D step: D's update is being skipped.",
    change="Code like `if loss_d > 0.3: opt_d.step()` freezes D once it gets ahead, and the run never "
           "recovers. Always step D; balance with TTUR or the training ratio instead.",
    sketch="loss_d.backward()\n"
           "# if loss_d.item() > threshold:   <- remove this gate\n"
           "opt_d.step()",
    references=(_HEUSEL, _GOODFELLOW),
))
_add(Remedy(
    id="check-optimizer-steps",
    title="Check optimizer steps, zero_grad and requires_grad",
    applies="A network does not change: frozen D, flat-lined losses, D failing for no reason.",
    change="Each iteration: zero_grad, backward, step for each network with its own optimizer; D's "
           "requires_grad back to True after the G step; fakes detached in D's step; lr not 0.",
    sketch="opt_d.zero_grad(set_to_none=True)\n"
           "D.requires_grad_(True)\n"
           "loss_d = crit(D(real), ones) + crit(D(fake.detach()), zeros)\n"
           "loss_d.backward(); opt_d.step()\n"
           "assert any(p.grad is not None for p in D.parameters())",
    references=(_r("DCGAN example (examples/dcgan/main.py)", "PyTorch contributors", 2017),
                _r("Unsupervised representation learning with deep convolutional GANs",
                   "Radford et al.", 2016, "ICLR")),
))
_add(Remedy(
    id="data-augmentation",
    title="Differentiable data augmentation for small data (DiffAugment / ADA)",
    applies="Small data sets: D overfits, D(x) pinned, FID getting worse late in training.",
    change="Apply the same differentiable augmentations (translation, cutout, colour) to real and fake "
           "images before D, in both D and G steps; ADA tunes the probability from D's overfitting.",
    sketch="def aug(x):  # translation + cutout, differentiable\n"
           "    shift = torch.randint(-4, 5, (2,))\n"
           "    return torch.roll(x, shifts=(int(shift[0]), int(shift[1])), dims=(2, 3))\n"
           "loss_d = crit(D(aug(real)), ones) + crit(D(aug(fake.detach())), zeros)\n"
           "loss_g = crit(D(aug(fake)), ones)",
    references=(_r("Differentiable augmentation for data-efficient GAN training", "Zhao et al.", 2020, "NeurIPS"),
                _KARRAS_ADA),
))
_add(Remedy(
    id="minibatch-stats",
    title="Minibatch statistics in D (minibatch standard deviation)",
    applies="Mode collapse: diversity falling, G producing few distinct samples.",
    change="Append the mean over features of the per-feature standard deviation across the batch as an "
           "extra channel near the end of D, so D can see a lack of diversity.",
    sketch="class MinibatchStd(nn.Module):\n"
           "    def forward(self, x):\n"
           "        s = x.std(dim=0, unbiased=False).mean().expand(x.size(0), 1, *x.shape[2:])\n"
           "        return torch.cat([x, s], dim=1)",
    references=(_r("Progressive growing of GANs for improved quality, stability, and variation",
                   "Karras et al.", 2018, "ICLR"), _SALIMANS),
))
_add(Remedy(
    id="keep-best-checkpoint",
    title="Keep the best checkpoint (select by metric, not by last step)",
    applies="Quality got worse than its best, the run changed regime, or it diverged.",
    change="Evaluate FID (or your metric) periodically and save the checkpoint whenever it is the best "
           "so far; resume or ship from that one.",
    sketch="if fid < best_fid:\n"
           "    best_fid = fid\n"
           "    torch.save({'G': G.state_dict(), 'D': D.state_dict(), 'step': step}, 'best.pt')",
    references=(_HEUSEL, _KARRAS_ADA),
))
_add(Remedy(
    id="check-nan-sources",
    title="Find where NaN comes from (anomaly detection, eps, mixed precision)",
    applies="NaN or inf in the losses.",
    change="Run a few steps with anomaly detection to find the op; add eps inside logs and sqrt; under "
           "AMP use GradScaler and keep the loss in float32.",
    sketch="with torch.autograd.detect_anomaly():\n"
           "    loss_d.backward()\n"
           "scaler = torch.amp.GradScaler()   # AMP: scaler.scale(loss).backward(); scaler.step(opt)",
    references=(_r("Mixed precision training", "Micikevicius et al.", 2018, "ICLR"),),
))

# -- what to log: the cards of an INCONCLUSIVE verdict ---------------------------------
# Not fixes for a symptom: what a log needs so that the core checks can run at all.

_add(Remedy(
    id="log-both-losses",
    title="Log both losses, D's and G's, in every record",
    applies="No discriminator or generator loss was identified in the log, so the balance between "
            "the two networks cannot be judged.",
    change="Print the discriminator's total loss and the generator's adversarial loss on one line "
           "with recognisable names (Loss_D / Loss_G, d_loss / g_loss). When D's loss is logged in "
           "parts (real / fake), print the parts with those words in their names, or their sum too.",
    sketch="print(f'[{epoch}/{epochs}][{i}/{len(loader)}] '\n"
           "      f'Loss_D: {loss_d.item():.4f} Loss_G: {loss_g.item():.4f}')",
    references=(_r("Unsupervised representation learning with deep convolutional generative "
                   "adversarial networks", "Radford et al.", 2016, "ICLR"), _GOODFELLOW),
))
_add(Remedy(
    id="log-more-records",
    title="Log both losses every N steps for the whole run",
    applies="Too few records hold both losses to tell a trend, a persistent state or a cycle from noise.",
    change="Log at a fixed cadence from the first step (every 50-100 iterations is plenty) and keep "
           "the whole log rather than its last lines; paste or attach the file, not a screenshot.",
    sketch="if step % 100 == 0:\n"
           "    print(f'step {step} Loss_D: {loss_d.item():.4f} Loss_G: {loss_g.item():.4f}', flush=True)",
    references=(_GOODFELLOW,),
))
_add(Remedy(
    id="log-d-outputs",
    title="Print D(x) and D(G(z)), the discriminator's mean outputs",
    applies="The loss family could not be told from the losses alone, or the balance needs a second witness.",
    change="Print D's mean sigmoid output on the real batch and on the fakes (before and after D's "
           "step, as the PyTorch DCGAN example does): they say who is winning whatever the loss.",
    sketch="d_x = torch.sigmoid(D(real)).mean().item()\n"
           "d_g_z1 = torch.sigmoid(D(fake.detach())).mean().item()\n"
           "print(f'D(x): {d_x:.4f} D(G(z)): {d_g_z1:.4f} / {d_g_z2:.4f}')",
    references=(_r("Unsupervised representation learning with deep convolutional generative "
                   "adversarial networks", "Radford et al.", 2016, "ICLR"),),
))
_add(Remedy(
    id="say-loss-family",
    title="Say which loss the trainer uses",
    applies="The loss family (BCE summed or averaged, LSGAN, hinge, WGAN) could not be inferred, so "
            "limits relative to the chance level were judged under every possible family.",
    change="Pass --loss-family (or loss-family in [tool.ganlog]); or print a name that says it "
           "('hinge', 'wgan', 'mse') next to the losses.",
    sketch="# pyproject.toml\n"
           "# [tool.ganlog]\n"
           "# loss-family = \"bce_sum\"\n"
           "loss_family = 'bce_sum'",
    references=(_GOODFELLOW, _r("Least squares generative adversarial networks", "Mao et al.", 2017, "ICCV")),
))

#: the cards an INCONCLUSIVE verdict may show (what to log), by id
LOGGING_REMEDIES: tuple[str, ...] = ("log-both-losses", "log-more-records", "log-d-outputs", "say-loss-family")

# -- choosing the remedies that fit a run ---------------------------------------
#: remedies shown on a finding's card before "more remedies"
MAX_SHOWN = 3
#: a logged gradient norm below this is no reason to clip gradients
CLIP_WORTHY_NORM = 10.0

_BCE_ONLY = ("bce-with-logits", "non-saturating-loss")
_BCE_TARGETS = ("one-sided-label-smoothing", "noisy-labels")
_GRAD_COLUMNS = ("grad_norm_d", "grad_norm_g")


def _families(run: object) -> set[str]:
    """The loss families still possible for the run (its decided one, or its candidates)."""
    fam = getattr(run, "loss_family", None)
    name = getattr(fam, "name", "unknown") or "unknown"
    if name != "unknown":
        return {name}
    return set(getattr(fam, "candidates", ()) or ())


def _has(run: object, column: str) -> bool:
    try:
        return bool(run.has(column))  # type: ignore[attr-defined]
    except Exception:
        return False


def _uses_gradient_penalty(run: object) -> bool:
    frame = getattr(run, "frame", None)
    cols = [] if frame is None else [str(c).lower() for c in frame.columns]
    names = set(cols) | {str(v).lower() for v in getattr(run, "original_names", {}).values()}
    return _has(run, "loss_d_gp") or any("gp" in c.replace("-", "_").split("_") or "penalty" in c for c in names)


def _max_grad_norm(run: object, finding: object) -> float | None:
    """The largest gradient norm the run logged (or the finding measured), if any."""
    import math

    values: list[float] = []
    for c in _GRAD_COLUMNS:
        if _has(run, c):
            import numpy as np

            v = run.frame[c].to_numpy(dtype=float, na_value=np.nan)  # type: ignore[attr-defined]
            v = v[np.isfinite(v)]
            if v.size:
                values.append(float(np.abs(v).max()))
    if values:
        return max(values)
    ev = getattr(finding, "evidence", {}) or {}
    if str(ev.get("column", "")).startswith("grad_norm"):
        nums = [float(ev[k]) for k in ("max", "median") if isinstance(ev.get(k), (int, float))]
        nums = [x for x in nums if math.isfinite(x)]
        return max(nums) if nums else None
    return None


def why_not(remedy_id: str, finding: object, run: object) -> str | None:
    """Why a remedy does not fit this run (None when it fits).

    The rules use only what the log shows: the loss family (no BCE advice for a
    WGAN, LSGAN or hinge run), the columns (no gradient penalty advice for a run
    that logs one, no augmentation advice for a run that logs ADA's ``aug_p``)
    and the measured values (no gradient clipping for norms that never left
    single digits).
    """
    fams = _families(run)
    wgan_like = fams == {"wgan"} or _uses_gradient_penalty(run)
    non_bce = bool(fams) and not (fams & {"bce_sum", "bce_mean"})
    if remedy_id in _BCE_ONLY and (wgan_like or non_bce):
        return "the run does not use a BCE loss"
    if remedy_id in _BCE_TARGETS and (wgan_like or fams <= {"hinge", "wgan"} and fams):
        return "the run's loss has no real/fake targets to smooth"
    if remedy_id in ("wgan-gp",) and wgan_like:
        return "the run already uses a Wasserstein loss or a gradient penalty"
    if remedy_id == "r1-penalty" and _has(run, "loss_d_r1"):
        return "the run already logs an R1 penalty"
    if remedy_id == "data-augmentation" and _has(run, "aug_p"):
        return "the run already uses adaptive augmentation"
    if remedy_id == "grad-clipping":
        peak = _max_grad_norm(run, finding)
        if peak is not None and peak < CLIP_WORTHY_NORM:
            return f"gradient norms stay below {CLIP_WORTHY_NORM:g} (max {peak:.3g})"
        code = getattr(finding, "code", "")
        if peak is None and code not in ("GAN401", "GAN402", "GAN404"):
            return "no sign of large gradients"
    return None


def select(finding: object, run: object) -> list[str]:
    """The finding's remedies that fit the run, in the detector's order (most likely to help first).

    Reports show the first :data:`MAX_SHOWN` and keep the rest one click away.
    When no remedy fits, the detector's first one is kept so a finding is never
    left without advice.
    """
    ids = list(dict.fromkeys(getattr(finding, "remedies", ()) or ()))
    fitting = [r for r in ids if why_not(r, finding, run) is None]
    return fitting or ids[:1]
# -- modern trainers (issue 17): ADA, penalty weights, throughput ----------------------------
_add(Remedy(
    id="more-data-or-xflip",
    title="More training images, or x-flips (data set mirroring)",
    applies="D overfits a small data set: ADA's augment p climbing, E[sign(D(real))] far above target, "
            "FID rising after an early minimum.",
    change="Add images, or double the data set with horizontal flips where the domain allows "
           "(StyleGAN2-ADA: --mirror=1); with a fixed budget prefer ADA/DiffAugment over a longer run.",
    sketch="dataset = torch.utils.data.ConcatDataset([\n"
           "    dataset, TransformedView(dataset, transforms.RandomHorizontalFlip(p=1.0))])",
    references=(_KARRAS_ADA,),
))
_add(Remedy(
    id="ada-target-cap",
    title="Lower ADA's target or cap the augment probability",
    applies="ADA's p past ~0.8: augmentations (rotations, colour shifts, cut-offs) leak into the samples.",
    change="Lower --target (0.6 -> 0.5) only together with a stronger R1; or cap p (e.g. 0.6) and "
           "accept some overfitting, stopping at the best snapshot; prefer augmentations that do not leak "
           "(--augpipe=bgc rather than bgcfnc).",
    sketch="augment_pipe.p.copy_(torch.clamp(augment_pipe.p + adjust, 0.0, 0.6))  # cap p at 0.6",
    references=(_KARRAS_ADA,),
))
_add(Remedy(
    id="penalty-weight",
    title="Retune the penalty weight (R1 gamma, GP lambda, path-length weight)",
    applies="A gradient or path-length penalty dominating D's objective (D loss at chance, G not "
            "learning), or the penalty exploding.",
    change="Scale gamma to the resolution and batch (StyleGAN's heuristic gamma = 0.0002 * res**2 / batch); "
           "try 10x smaller and 10x larger and keep the best FID; lazy regularisation every 16 "
           "minibatches needs the weight scaled by the interval.",
    sketch="gamma = 0.0002 * resolution ** 2 / batch_size\n"
           "loss_d = loss_adv + (gamma / 2) * r1_penalty",
    references=(_MESCHEDER, _GULRAJANI),
))
_add(Remedy(
    id="profile-throughput",
    title="Profile a slow or stalling run",
    applies="Seconds per kimg or per step rising over the run, or long gaps between records.",
    change="Time data loading against compute for one tick; log `loss.item()` (not the tensor) so no graph "
           "is kept; evaluate metrics less often; check that no other job shares the GPU.",
    sketch="with torch.profiler.profile(schedule=torch.profiler.schedule(wait=1, warmup=1, active=3)) as prof:\n"
           "    for step in range(5):\n"
           "        train_step()\n"
           "        prof.step()\n"
           "print(prof.key_averages().table(sort_by='cuda_time_total', row_limit=10))",
    references=(_r("PyTorch: an imperative style, high-performance deep learning library",
                   "Paszke et al.", 2019, "NeurIPS"),),
))
