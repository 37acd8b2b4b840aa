"""The table of known stdout print formats.

Each :class:`TextFormat` says how one family of trainers prints a training
record: a regular expression with named groups (the group name is the name
the value gets before the alias table maps it), whether epochs count from 0
or 1, the lines that are not records but give context (``Epoch 3/50`` before
Keras progress bars, the ``Training Loss`` header of a resumed launch), and
real example lines. The examples are the format's documentation
(``ganlog formats``) and its tests: every example must parse to ``expected``.

Group names starting with ``_rest`` hold free ``name: value`` text that the
generic key/value tokenizer reads (extra losses a variant adds). Group names
starting with ``_`` otherwise are dropped (totals such as the ``E`` of ``e/E``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

#: A logged number as trainers print it, including the non-finite spellings.
NUM = (
    r"(?:[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
    r"|[-+]?(?:nan|NaN|NAN|inf|Inf|INF|infinity|Infinity)|N/A|None)"
)
_V = NUM


def _p(pattern: str) -> str:
    """Patterns are written with ``V`` standing for a number."""
    return pattern.replace("V", _V)


@dataclass(frozen=True)
class TextFormat:
    """One known print format."""

    name: str
    title: str
    #: Regex with named groups, searched (not matched): logging prefixes before it are fine.
    pattern: str
    #: 0 when the trainer counts epochs from 0, 1 when from 1, None when it prints none.
    epoch_base: int | None
    #: Real lines in this format (as printed, one string may hold several records).
    examples: tuple[str, ...]
    #: Canonical values the first record of ``examples[0]`` must parse to.
    expected: dict[str, float] = field(default_factory=dict)
    #: Literal text every record contains: a cheap prefilter and sniff hint.
    anchor: str = ""
    #: Lines (full lines between records) that set the epoch for the records after them.
    epoch_line: str | None = None
    #: Lines that start a new segment (a resumed launch appends a header).
    segment_line: str | None = None
    #: Regex (starting with literal text) for where a record begins: splits records that a
    #: paste glued together on one line, so the vectorized path can read them.
    record_start: str | None = None
    #: A trainer that prints iterations without the per-epoch total: estimate it from the log.
    estimate_iters_per_epoch: bool = False
    #: Where the trainer comes from (shown by ``ganlog formats``).
    origin: str = ""
    #: The code base that prints it (``run.meta["trainer"]``: what the trainer implies about
    #: the loss family is the roles resolver's business, not the reader's).
    trainer: str = ""
    #: Group name -> the name exactly as the log prints it (regex groups cannot spell
    #: ``D(x)``); columns keep printed names, the alias table and roles map them.
    printed: dict[str, str] = field(default_factory=dict)
    #: Where a real line of this format was found (a URL), for the formats added from real logs.
    source: str = ""
    #: StyleGAN: the step is the images seen, ``kimg * 1000`` (as for its stats.jsonl).
    kimg_step: bool = False
    #: Printed name -> the network whose bracket it sits in, for fixed fields whose name does not
    #: say it (Keras-GAN's ``acc`` inside ``[D loss: ...]``): ``run.meta["scopes"]``, as the
    #: generic reader passes them; the roles resolver reads the name in that scope.
    scopes: dict[str, str] = field(default_factory=dict)

    @cached_property
    def regex(self) -> re.Pattern[str]:
        return re.compile(_p(self.pattern))

    @cached_property
    def epoch_regex(self) -> re.Pattern[str] | None:
        return re.compile(self.epoch_line) if self.epoch_line else None

    @cached_property
    def segment_regex(self) -> re.Pattern[str] | None:
        return re.compile(self.segment_line) if self.segment_line else None

    @cached_property
    def rest_only(self) -> bool:
        """Every value of a record is in free ``_rest`` text (Keras bars): a match may hold none."""
        return not any(g not in ("epoch", "iter", "iters_per_epoch", "step") and not g.startswith("_")
                       for g in self.regex.groupindex)

    @property
    def has_context(self) -> bool:
        return bool(self.epoch_line or self.segment_line)


FORMATS: tuple[TextFormat, ...] = (
    TextFormat(
        name="dcgan",
        title="PyTorch DCGAN example / tutorial",
        origin="pytorch/examples dcgan/main.py, the PyTorch DCGAN tutorial",
        pattern=(
            r"\[(?P<epoch>\d+)/(?P<_epochs>\d+)\]\s*\[(?P<iter>\d+)/(?P<iters_per_epoch>\d+)\]\s*"
            r"Loss_D:\s*(?P<Loss_D>V)\s+Loss_G:\s*(?P<Loss_G>V)\s+D\(x\):\s*(?P<d_x>V)\s+"
            r"D\(G\(z\)\):\s*(?P<D_G_z1>V)\s*/\s*(?P<D_G_z2>V)"
        ),
        trainer="pytorch-dcgan",
        printed={"d_x": "D(x)", "D_G_z1": "D(G(z))1", "D_G_z2": "D(G(z))2"},
        epoch_base=0,
        anchor="Loss_D",
        record_start=r"\[\d+/\d+\]\[\d+/\d+\]\s*Loss_D",
        examples=(
            "[0/5][0/1583]\tLoss_D: 1.7640\tLoss_G: 5.0435\tD(x): 0.5734\tD(G(z)): 0.6101 / 0.0080",
            "[2/25][150/782] Loss_D: 0.4810 Loss_G: 2.9152 D(x): 0.8032 D(G(z)): 0.1944 / 0.0734",
        ),
        expected={"epoch": 0, "iter": 0, "step": 0, "loss_d": 1.764, "loss_g": 5.0435, "d_x": 0.5734,
                  "d_g_z1": 0.6101, "d_g_z2": 0.008},
    ),
    TextFormat(
        name="forum",
        title="Epoch e/E - Step: i/N Loss G: Loss D: D(x): D(G(z)): (1-based)",
        origin="DCGAN-tutorial derived trainers that print 'Epoch 1/5 - Step: ...'",
        pattern=(
            r"Epoch\s+(?P<epoch>\d+)/(?P<_epochs>\d+)\s*-\s*Step:\s*(?P<iter>\d+)/(?P<iters_per_epoch>\d+)\s*"
            r"Loss G:\s*(?P<loss_g>V)\s*Loss D:\s*(?P<loss_d>V)\s*D\(x\):\s*(?P<d_x>V)\s*"
            r"D\(G\(z\)\):\s*(?P<d_g_z1>V)\s*/\s*(?P<d_g_z2>V)"
            r"(?:\s*Time for the last step:\s*(?P<step_time>V)\s*s)?"
        ),
        trainer="dcgan-tutorial-forum",
        printed={"loss_g": "Loss G", "loss_d": "Loss D", "d_x": "D(x)", "d_g_z1": "D(G(z))1",
                 "d_g_z2": "D(G(z))2"},
        epoch_base=1,
        anchor="Loss G:",
        record_start=r"Epoch \d+/\d+ - Step:",
        examples=(
            "Epoch 3/5 - Step: 1100/9338 Loss G: 4.071329 Loss D: 0.031608 D(x): 0.999969 "
            "D(G(z)): 0.024329 / 0.024329Time for the last step: 51.41 s Epoch ETA: 01:11:24"
            "Epoch 3/5 - Step: 1200/9338 Loss G: 3.883331 Loss D: 0.036354 D(x): 0.999993 "
            "D(G(z)): 0.043874 / 0.043874Time for the last step: 51.63 s Epoch ETA: 01:10:29",
        ),
        expected={"epoch": 3, "iter": 1100, "step": 2 * 9338 + 1100, "loss_g": 4.071329,
                  "loss_d": 0.031608, "d_x": 0.999969, "d_g_z1": 0.024329, "d_g_z2": 0.024329,
                  "step_time": 51.41},
    ),
    TextFormat(
        name="pytorch_gan",
        title="PyTorch-GAN [Epoch e/E] [Batch b/B] [D loss: x] [G loss: y]",
        origin="eriklindernoren/PyTorch-GAN implementations (gan, dcgan, wgan, cyclegan, pix2pix, ...)",
        pattern=(
            r"\[Epoch\s*(?P<epoch>\d+)/(?P<_epochs>\d+)\]\s*\[Batch\s*(?P<iter>\d+)/(?P<iters_per_epoch>\d+)\]\s*"
            r"\[D loss:\s*(?P<loss_d>V)(?P<_rest_d>[^\]\n\r]*)\]\s*"
            r"\[G loss:\s*(?P<loss_g>V)(?P<_rest_g>[^\]\n\r]*)\]"
            r"(?P<_rest>[^\n\r\[]*(?:\[(?!Epoch)[^\]\n\r]*\][^\n\r\[]*)*)"
        ),
        trainer="pytorch-gan",
        printed={"loss_d": "D loss", "loss_g": "G loss", "iter": "Batch", "epoch": "Epoch"},
        epoch_base=0,
        anchor="[D loss:",
        record_start=r"\[Epoch \d+/\d+\] \[Batch",
        examples=(
            "[Epoch 0/200] [Batch 0/938] [D loss: 0.693422] [G loss: 0.704385]",
            "[Epoch 5/200] [Batch 120/938] [D loss: 0.337112, acc: 87%] [G loss: 1.914023]",
            "\r[Epoch 1/200] [Batch 10/1334] [D loss: 0.212030] [G loss: 4.135772, adv: 0.870111, "
            "cycle: 0.218201, identity: 0.216012] ETA: 3 days, 1:12:54.123411",
            "[Epoch 2/200] [Batch 30/400] [D loss: 0.031582] [G loss: 12.443131, pixel: 0.109212, "
            "adv: 1.522210]",
        ),
        expected={"epoch": 0, "iter": 0, "step": 0, "loss_d": 0.693422, "loss_g": 0.704385},
    ),
    TextFormat(
        name="cyclegan_loss_log",
        title="pytorch-CycleGAN-and-pix2pix loss_log.txt",
        origin="junyanz/pytorch-CycleGAN-and-pix2pix (util/visualizer.py print_current_losses)",
        pattern=(
            r"\(epoch:\s*(?P<epoch>\d+),\s*iters:\s*(?P<iter>\d+),\s*time:\s*(?P<time_per_iter>V),\s*"
            r"data:\s*(?P<data_time>V)\)(?P<_rest>[^\n\r(]*)"
        ),
        trainer="cyclegan",
        printed={"iter": "iters"},
        epoch_base=1,
        anchor="(epoch:",
        segment_line=r"=+\s*Training Loss \(.*\)\s*=+",
        estimate_iters_per_epoch=True,
        examples=(
            "================ Training Loss (Sun Apr 12 10:00:00 2020) ================\n"
            "(epoch: 1, iters: 100, time: 0.215, data: 0.182) D_A: 0.254 G_A: 0.412 cycle_A: 1.284 "
            "idt_A: 0.577 D_B: 0.256 G_B: 0.379 cycle_B: 1.097 idt_B: 0.626 ",
            "(epoch: 3, iters: 400, time: 0.061, data: 0.002) G_GAN: 1.204 G_L1: 14.330 D_real: 0.501 "
            "D_fake: 0.498 ",
        ),
        expected={"epoch": 1, "iter": 100, "d_a": 0.254, "g_a": 0.412, "cycle_a": 1.284,
                  "idt_b": 0.626, "time_per_iter": 0.215},
    ),
    TextFormat(
        name="keras_progress",
        title="Keras progress bar 'N/N [====] - 12s - d_loss: ... - g_loss: ...'",
        origin="tf.keras Model.fit with a custom train_step (verbose=1 or 2)",
        pattern=(
            r"(?<![\w/.])(?P<iter>\d+)/(?P<iters_per_epoch>\d+)\s*\[[=>.]*\]"
            r"(?P<_rest>(?:\s*-\s*(?:ETA:\s*[\d:]+s?|\d+m?s\s+\d+m?s/step|\d+m?s)"
            r"|\s*-\s*[A-Za-z_][\w.]*:\s*V)*)"
        ),
        trainer="keras",
        epoch_base=1,
        anchor="] -",
        epoch_line=r"^\s*Epoch\s+(?P<epoch>\d+)/\d+\s*$",
        examples=(
            "Epoch 3/50\n"
            "1094/1094 [==============================] - 12s 11ms/step - d_loss: 0.4052 - g_loss: 1.6674",
            "  12/1094 [..............................] - ETA: 1:30 - d_loss: 0.6931 - g_loss: 0.6950",
        ),
        expected={"epoch": 3, "iter": 1094, "step": 2 * 1094 + 1094, "loss_d": 0.4052, "loss_g": 1.6674},
    ),
    TextFormat(
        name="keras_gan",
        title="Keras-GAN 'N [D loss: x, acc.: y%] [G loss: z]'",
        origin="eriklindernoren/Keras-GAN (gan, dcgan, acgan, cgan, ...)",
        pattern=(
            r"(?<![\w.\]/])(?P<step>\d+)\s*\[D loss:\s*(?P<loss_d>V)(?:,\s*acc\.?:\s*(?P<d_acc>V)%?)?"
            r"(?P<_rest_d>[^\]\n\r]*)\]\s*\[G loss:\s*(?P<loss_g>V)(?P<_rest_g>[^\]\n\r]*)\]"
        ),
        trainer="keras-gan",
        printed={"loss_d": "D loss", "loss_g": "G loss", "d_acc": "acc"},
        scopes={"acc": "D"},
        epoch_base=None,
        anchor="[D loss:",
        examples=(
            "0 [D loss: 0.693147, acc.: 50.00%] [G loss: 0.710000]",
            "4500 [D loss: 0.612305, acc.: 67.19%, op_acc: 12.50%] [G loss: 1.013224]",
        ),
        expected={"step": 0, "loss_d": 0.693147, "d_acc": 0.5, "loss_g": 0.71},  # d_acc: a fraction
    ),
    TextFormat(
        name="dcgan_tf",
        title="DCGAN-tensorflow 'Epoch: [e] [i/N] time: t, d_loss: x, g_loss: y'",
        origin="carpedm20/DCGAN-tensorflow model.py",
        pattern=(
            r"Epoch:\s*\[\s*(?P<epoch>\d+)(?:\s*/\s*(?P<_epochs>\d+))?\]\s*"
            r"(?:\[\s*(?P<iter>\d+)\s*/\s*(?P<iters_per_epoch>\d+)\]\s*)?"
            r"time:\s*(?P<elapsed_s>V),\s*d_loss:\s*(?P<loss_d>V),\s*g_loss:\s*(?P<loss_g>V)"
        ),
        trainer="dcgan-tensorflow",
        printed={"loss_d": "d_loss", "loss_g": "g_loss"},
        epoch_base=0,
        anchor="d_loss:",
        examples=(
            "Epoch: [ 0] [ 100/1093] time: 54.2345, d_loss: 1.20000000, g_loss: 0.80000000",
            "Epoch: [ 2/25] [1000/1093] time: 1234.5678, d_loss: 0.51234412, g_loss: 2.91237521",
        ),
        expected={"epoch": 0, "iter": 100, "step": 100, "loss_d": 1.2, "loss_g": 0.8, "elapsed_s": 54.2345},
    ),
    TextFormat(
        name="basicsr",
        title="BasicSR / Real-ESRGAN / mmsr '[epoch: e, iter: i, lr:(x,)] l_g_pix: .. l_d_real: ..'",
        origin="XPixelGroup/BasicSR (also Real-ESRGAN, GFPGAN) and the older open-mmlab/mmsr logger",
        trainer="basicsr",
        source="https://github.com/open-mmlab/mmagic/issues/82 ; https://github.com/XPixelGroup/BasicSR/issues/269 ; "
               "https://github.com/XPixelGroup/BasicSR/issues/204",
        pattern=(
            r"(?:<|\[(?:[\w.]+\]\[)?)epoch:\s*(?P<epoch>\d+),\s*iter:\s*(?P<iter>\d[\d,]*),\s*"
            r"lr:\s*\(?(?P<lr>V)[^\]>\n\r]*[\]>](?:\s*\[eta:[^\]\n\r]*\])?(?P<_rest>[^\n\r]*)"
        ),
        epoch_base=0,
        anchor="iter:",
        examples=(
            "20-05-22 17:42:09.481 - INFO: [epoch:  0, iter:     600, lr:(1.000e-04,)] l_g_pix: 4.1864e-04 "
            "l_g_fea: 8.7215e-01 l_g_gan: 4.5786e-02 l_d_real: 1.1156e-04 l_d_fake: 8.2644e-05 D_real: 2.0082e+01 "
            "D_fake: 1.0925e+01",
            "2020-08-15 15:50:30,390 INFO: [My_ES..][epoch:207, iter:  20,100, lr:(1.000e-04,)] [eta: 1 day, "
            "18:13:17, time (data): 0.365 (0.002)] l_g_pix: 3.1516e-04 l_g_percep: 5.2308e-01 l_g_gan: 4.2322e-02 "
            "l_d_real: 2.6469e-04 l_d_fake: 2.4991e-04 out_d_real: 9.1384e+01 out_d_fake: 8.2920e+01",
            "19-08-09 08:25:25.996 - INFO: <epoch: 86, iter: 107,200, lr:2.500e-05> l_g_pix: 1.4819e-03 "
            "l_g_fea: 1.0389e+00 l_g_gan: 7.2056e-02 l_d_real: 1.4378e-05 l_d_fake: 4.0903e-06 D_real: -2.5625e+01 "
            "D_fake: -4.0036e+01 ",
        ),
        expected={"epoch": 0, "iter": 600, "step": 600, "lr": 1e-4, "l_g_gan": 0.045786, "l_d_real": 0.00011156},
    ),
    TextFormat(
        name="stargan",
        title="StarGAN v1/v2 'Elapsed [..], Iteration [i/N], D/loss_real: .., G/loss_fake: ..'",
        origin="yunjey/stargan solver.py and clovaai/stargan-v2 core/solver.py print_log",
        trainer="stargan",
        source="format strings of yunjey/stargan solver.py ('Elapsed [{}], Iteration [{}/{}]' + ', {}: {:.4f}') "
               "and clovaai/stargan-v2 core/solver.py ('%s: [%.4f]'); no real pasted line was found",
        pattern=(
            r"Elapsed(?: time)?\s*\[[^\]\n]*\],\s*(?:Epoch\s*\[(?P<epoch>\d+)/(?P<_epochs>\d+)\],\s*)?"
            r"(?:Iteration|Iter)\s*\[(?P<iter>\d+)/(?P<iters_per_epoch>\d+)\],?(?P<_rest>[^\n\r]*)"
        ),
        epoch_base=1,
        anchor="Elapsed",
        printed={"iter": "Iteration"},
        examples=(
            "Elapsed [0:00:29], Iteration [10/200000], D/loss_real: -3.2717, D/loss_fake: 1.5094, "
            "D/loss_cls: 3.4352, D/loss_gp: 0.2713, G/loss_fake: -1.3093, G/loss_rec: 0.5133, G/loss_cls: 3.5180",
            "Elapsed time [0:01:23], Iteration [500/100000], D/latent_real: [0.6912] D/latent_fake: [0.6879] "
            "D/latent_reg: [0.0123] G/latent_adv: [0.7010] G/latent_sty: [0.3111] G/latent_ds: [0.2543] "
            "G/latent_cyc: [0.4120] G/lambda_ds: [0.9950]",
        ),
        expected={"step": 10, "D/loss_real": -3.2717, "D/loss_gp": 0.2713, "G/loss_fake": -1.3093},
    ),
    TextFormat(
        name="mmgen",
        title="mmgeneration / mmagic text log 'Iter [i/N] lr_generator: .., loss_gan: .., loss_disc_fake: ..'",
        origin="open-mmlab/mmgeneration (mmcv TextLoggerHook) and mmagic/mmengine 'Iter(train) [i/N]'",
        trainer="mmgen",
        source="format of mmcv's TextLoggerHook and mmengine's LogProcessor (no real pasted line was found)",
        pattern=r"Iter(?:\(train\))?\s*\[\s*(?P<iter>\d+)/(?P<_iters>\d+)\]\s*(?P<_rest>[^\n\r]*)",
        epoch_base=None,
        anchor="Iter",
        record_start=None,
        examples=(
            "2021-06-01 10:11:12,345 - mmgen - INFO - Iter [100/800000]\tlr_generator: 1.000e-04, "
            "lr_discriminator: 4.000e-04, eta: 3 days, 6:35:14, time: 0.353, data_time: 0.012, memory: 4006, "
            "loss_disc_fake: 0.6512, loss_disc_real: 0.7021, loss_gen: 0.7340",
            "2023/03/01 10:11:12 - mmengine - INFO - Iter(train) [  200/40000]  base_lr: 2.0000e-04 "
            "lr: 2.0000e-04  eta: 5:01:12  time: 0.4521  data_time: 0.0123  memory: 3012  loss: 1.3841  "
            "loss_disc_fake: 0.6012  loss_disc_real: 0.6410  loss_gen: 0.7830",
        ),
        expected={"step": 100, "loss_disc_fake": 0.6512, "loss_gen": 0.734, "lr_generator": 1e-4},
    ),
    TextFormat(
        name="stylegan",
        title="StyleGAN / StyleGAN2(-ADA) / StyleGAN3 'tick t kimg k time .. sec/tick .. sec/kimg .. augment ..'",
        origin="NVlabs stylegan, stylegan2, stylegan2-ada(-pytorch), stylegan3 training_loop.py",
        trainer="stylegan2-ada",
        source="https://github.com/NVlabs/stylegan3/issues/213 ; https://github.com/NVlabs/stylegan2-ada/issues/69",
        pattern=(
            r"\btick\s+(?P<tick>\d+)\s+kimg\s+(?P<kimg>V)\s+(?:lod\s+(?P<lod>V)\s+)?"
            r"(?:minibatch\s+(?P<minibatch>\d+)\s+)?time\s+(?P<_time>(?:\d+[dhms]\s*)+)\s*"
            r"sec/tick\s+(?P<sec_tick>V)\s+sec/kimg\s+(?P<sec_kimg>V)(?P<_rest>[^\n\r]*)"
        ),
        epoch_base=None,
        anchor="kimg",
        kimg_step=True,
        printed={"sec_tick": "sec/tick", "sec_kimg": "sec/kimg"},
        examples=(
            "tick 1     kimg 20.0     time 1h 19m 08s   sec/tick 4711.9  sec/kimg 235.59  maintenance 7.7    "
            "cpumem 5.54   gpumem 10.88  reserved 20.23  augment 0.188",
            "network-snapshot-005734        time 4m 26s       fid50k_full 46.5633\n"
            "tick 1401  kimg 5738.6   time 1d 06h 06m   sec/tick 71.0    sec/kimg 17.34   maintenance 274.4  "
            "gpumem 8.9   augment 6.521",
        ),
        expected={"step": 20000, "kimg": 20.0, "tick": 1, "augment": 0.188, "sec/kimg": 235.59},
    ),
    TextFormat(
        name="spade",
        title="SPADE / GauGAN '(epoch: e, iters: i, time: t) GAN: .. GAN_Feat: .. VGG: .. D_Fake: .. D_real: ..'",
        origin="NVlabs/SPADE util/visualizer.py print_current_errors",
        trainer="spade",
        source="https://github.com/NVlabs/SPADE/issues/94",
        pattern=(
            r"\(epoch:\s*(?P<epoch>\d+),\s*iters:\s*(?P<iter>\d+),\s*time:\s*(?P<time_per_iter>V)\)"
            r"(?P<_rest>[^\n\r(]*)"
        ),
        epoch_base=1,
        anchor="(epoch:",
        estimate_iters_per_epoch=True,
        printed={"iter": "iters"},
        examples=(
            "(epoch: 23, iters: 38128, time: 0.131) KLD: 0.228 GAN: 1.110 GAN_Feat: 14.514 VGG: 9.875 "
            "D_Fake: 0.514 D_real: 0.383 ",
        ),
        expected={"epoch": 23, "iter": 38128, "GAN": 1.11, "GAN_Feat": 14.514, "D_Fake": 0.514},
    ),
    TextFormat(
        name="biggan",
        title="BigGAN-PyTorch 'itr: i, G_loss : +x, D_loss_real : +y, D_loss_fake : +z'",
        origin="ajbrock/BigGAN-PyTorch train.py",
        trainer="biggan",
        source="https://github.com/ajbrock/BigGAN-PyTorch/issues/66 (the pasted line, without its ^C echo)",
        pattern=r"\bitr:\s*(?P<itr>\d+)(?P<_rest>(?:,\s*[A-Za-z_][\w/]*\s*:\s*V)+)",
        epoch_base=None,
        anchor="itr:",
        examples=("itr: 2218, G_loss : +0.754, D_loss_real : +0.000, D_loss_fake : +0.000",),
        expected={"step": 2218, "G_loss": 0.754, "D_loss_real": 0.0, "D_loss_fake": 0.0},
    ),
    TextFormat(
        name="hifigan",
        title="HiFi-GAN 'Steps : s, Gen Loss Total : x, Mel-Spec. Error : y, s/b : t'",
        origin="jik876/hifi-gan train.py (and forks: PitchVC, ...)",
        trainer="hifigan",
        source="https://github.com/OlaWod/PitchVC/issues/3",
        pattern=(
            r"Steps\s*:\s*(?P<step>\d+),\s*Gen Loss Total\s*:\s*(?P<g_total>V),\s*"
            r"Mel-Spec\. Error\s*:\s*(?P<mel_error>V)(?:,\s*s/b\s*:\s*(?P<s_per_batch>V))?"
        ),
        epoch_base=None,
        anchor="Gen Loss Total",
        printed={"g_total": "Gen Loss Total", "mel_error": "Mel-Spec. Error", "s_per_batch": "s/b"},
        examples=("Steps : 210005, Gen Loss Total : 25.663, Mel-Spec. Error : 0.407, s/b : 1.131",),
        expected={"step": 210005, "Gen Loss Total": 25.663, "Mel-Spec. Error": 0.407, "s/b": 1.131},
    ),
    TextFormat(
        name="ctgan",
        title="CTGAN / SDV 'Epoch e, Loss G: x,Loss D: y'",
        origin="sdv-dev/CTGAN synthesizers/ctgan.py (verbose=True)",
        trainer="ctgan",
        source="https://github.com/sdv-dev/CTGAN/issues/25",
        pattern=r"Epoch\s+(?P<epoch>\d+),\s*Loss G:\s*(?P<loss_g>V),\s*Loss D:\s*(?P<loss_d>V)",
        epoch_base=1,
        anchor="Loss D:",
        printed={"loss_g": "Loss G", "loss_d": "Loss D"},
        examples=("Epoch 126, Loss G: -0.2459, Loss D: -0.2918",),
        expected={"epoch": 126, "Loss G": -0.2459, "Loss D": -0.2918},
    ),
)

#: The two reader-level formats that are not regex lines.
JSONL_NAME = "jsonl"
GENERIC_NAME = "generic"

SPECIAL_FORMATS: dict[str, str] = {
    JSONL_NAME: "JSON lines: one JSON object per record (nested names become a/b)",
    GENERIC_NAME: "fallback: name: value, name=value, [name: value], name value pairs",
}

SPECIAL_EXAMPLES: dict[str, tuple[str, ...]] = {
    JSONL_NAME: ('{"epoch": 0, "iter": 10, "loss_D": 1.31, "loss_G": 0.74, "D_x": 0.52}',),
    GENERIC_NAME: (
        "epoch=2 it=300 lossD=0.512 lossG=1.730 D(x)=0.71",
        "Iteration 500 | d_loss 0.6612 | g_loss 0.9124 | gp: 0.031",
        "step: 40\n  loss_d: 1.25\n  loss_g: 0.83",
        # https://github.com/caiyuanhao1998/PNGAN/issues/5 (a tqdm bar with its postfix)
        "Epoch 28:g_trn_l=4260.0166,d_trn_l=-8.6347: 100%|\u2588| 2500/2500 [18:04<00:00, 2.3",
        # https://github.com/ymirsky/CT-GAN/issues/1 (a header naming rows of bare numbers)
        "D_loss       acc     G_loss\n0.004051 | 100 | 6.248324 | 2 days,   12:04:16.416641",
        "[D loss: 0.6, acc: 50%] [G loss: 0.9, acc: 12%]",
        "<table><tr><th>epoch</th><th>train_loss</th></tr><tr><td>0</td><td>1.23</td></tr></table>",
    ),
}

#: Logs read by the generic or JSON-lines path whose names give their trainer away:
#: (pattern searched in the head, trainer). The first that matches wins.
TRAINER_HINTS: tuple[tuple[str, str], ...] = (
    (r"Gen_loss: .*Dis_loss: |Discriminator_loss: .*Generator_loss: ", "studiogan"),
    (r"\bl_g_gan: .*\bl_d_real: |\bl_d_real: .*out_d_real: ", "basicsr"),
    (r'"mode": "train".*"loss_disc|\bIter \[\d+/\d+\].*\bloss_disc', "mmgen"),
    (r"\bD/loss_real: .*G/loss_fake: ", "stargan"),
    (r"\bGAN_Feat: .*\bD_Fake: ", "spade"),
    (r"\bG_loss : .*D_loss_real : |\bD_loss_real : .*D_loss_fake : ", "biggan"),
    (r"Gen Loss Total : .*Mel-Spec\. Error : ", "hifigan"),
    (r"Loss G: .*,\s*Loss D: ", "ctgan"),
    (r"\btick \d+\s+kimg [\d.]+.*\breserved\b", "stylegan3"),  # StyleGAN2-ADA prints cpumem too
    (r"\btick \d+\s+kimg [\d.]+\s+lod\b", "stylegan"),
    (r"\btick \d+\s+kimg [\d.]+", "stylegan2-ada"),
    (r"━.*\bd_loss: |━.*\bg_loss: ", "keras"),
    (r"\bv_num=", "lightning"),
    (r"\bdisc cost\b.*\bgen cost\b|\bgen cost\b.*\bdisc cost\b", "improved-wgan"),
    # BigGAN-PyTorch's logs/<exp>_log.jsonl (its metrics log: itr, IS, FID, a _stamp)
    (r'"itr": \d+, "IS_mean": .*"FID": .*"_stamp": ', "biggan"),
    # Coqui TTS trainer blocks: '--> STEP: i/N -- GLOBAL_STEP: g' then '| > name: value'
    (r"--> STEP: \d+/\d+ -- GLOBAL_STEP: \d+", "coqui"),
    # StyleGAN2-ADA's metric-fid50k_full.txt ('network-snapshot-000204  time 4m 32s  fid50k_full 327.5')
    (r"network-snapshot-\d+\s+time .*\b(?:fid|kid|is|pr)\d+k", "stylegan2-ada"),
    # StyleGAN2 ports print the path-length mean pl_avg beside D_reg/G_reg
    (r"\bpl_avg: .*\bseen: |\bG_reg: .*\bpl_avg: ", "stylegan2"),
    # Keras' examples/mnist_acgan.py prints a table 'component | loss | generation_loss | auxiliary_loss'
    (r"\bgeneration_loss\s*\|\s*auxiliary_loss\b", "keras-acgan"),
)


def guess_trainer(head: str) -> str:
    """The trainer a generic log's head points at ('' when none)."""
    for pattern, trainer in TRAINER_HINTS:
        if re.search(pattern, head[:65536]):
            return trainer
    return ""


_BY_NAME = {f.name: f for f in FORMATS}


def get_format(name: str) -> TextFormat | None:
    return _BY_NAME.get(name)


def format_names() -> list[str]:
    return [f.name for f in FORMATS] + [JSONL_NAME, GENERIC_NAME]


__all__ = ["FORMATS", "NUM", "TextFormat", "get_format", "format_names", "GENERIC_NAME", "JSONL_NAME",
           "SPECIAL_FORMATS", "SPECIAL_EXAMPLES", "TRAINER_HINTS", "guess_trainer"]
