"""Roles: what each column means, from its name and its values, decided once, explained, pinned."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import ganlog
from ganlog.errors import ConfigError
from ganlog.frame import Run, build_run, canonical_name
from ganlog.roles import decide, guess_from_name, tokenize


@pytest.mark.parametrize(
    "printed, role",
    [
        ("Loss/D/loss", "loss_d"), ("loss_D_fake", "loss_d_fake"), ("errD", "loss_d"), ("D_A", "loss_d_a"),
        ("disc cost", "loss_d"), ("netD", "loss_d"), ("critic", "loss_d"), ("closs", "loss_d"),
        ("adversarial loss", "loss_g"), ("l_d_real", "loss_d_real"), ("l_d_fake", "loss_d_fake"),
        ("running discriminator loss", "loss_d"), ("D/loss_real", "loss_d_real"), ("D/loss_gp", "loss_d_gp"),
        ("D/loss_cls", "loss_d_cls"), ("Loss/scores/fake", "d_fake_logit"), ("Loss/signs/real", "d_real_sign"),
        ("Loss/r1_penalty", "loss_d_r1"), ("Loss/G/pl_penalty", "loss_g_pl"), ("G_GAN", "loss_g"),
        ("G_L1", "loss_g_part"), ("D_real", "loss_d_real"), ("D_fake", "loss_d_fake"), ("l_g_gan", "loss_g"),
        ("l_g_pix", "loss_g_part"), ("l_g_percep", "loss_g_part"), ("G/loss_fake", "loss_g"),
        ("G/loss_rec", "loss_g_part"), ("cycle_A", "loss_g_part"), ("idt_B", "loss_g_part"),
        ("loss_gen_adv_a", "loss_g_a"), ("loss_dis_total", "loss_d"), ("D(x)", "d_x"), ("D(G(z))", "d_g_z1"),
        ("D_G_z2", "d_g_z2"), ("real_score", "d_x"), ("acc", "d_acc"), ("real_acc", "d_acc_real"),
        ("gen_acc", "d_acc_fake"), ("aug_p", "aug_p"), ("aa_p", "aug_p"), ("Progress/augment", "aug_p"),
        ("augment", "aug_p"), ("val_kid", "kid"), ("fid50k_full", "fid"), ("IS_mean", "inception_score"),
        ("pr50k3_full_precision", "precision"), ("lr_D", "lr_d"), ("G_lr", "lr_g"),
        ("D_loss_grad_norm", "grad_norm_d"), ("kimg", "kimg"), ("Progress/tick", "tick"),
        ("sec/kimg", "sec_per_kimg"), ("time_per_iter", "sec_per_step"), ("global_step", "step"),
        ("d_trn_l", "loss_d"), ("Discriminator_loss", "loss_d"), ("Gen_loss", "loss_g"), ("A loss", "loss_g"),
        ("GAN_Feat", "loss_g_part"), ("KLD", "loss_g_part"), ("Loss_D", "loss_d"), ("Loss_G", "loss_g"),
    ],
)
def test_names_from_the_corpus_and_the_issue(printed: str, role: str) -> None:
    assert guess_from_name(printed).role == role, guess_from_name(printed)


def test_tokens() -> None:
    assert tokenize("Loss/D/loss") == ["loss", "d", "loss"]
    assert tokenize("errD_real") == ["err", "d", "real"]
    assert tokenize("netD") == ["net", "d"] or tokenize("netD") == ["d"]
    assert tokenize("closs") == ["critic", "loss"]


@pytest.mark.parametrize("name", ["TrainStep", "Perf/ImagesPerStep", "ValStep", "StepStep", "GStep", "score (Step",
                                  "FID score (Step", "score (Step std", "(Step", "Step (Step", "score(Step)"])
def test_capital_step_suffix_does_not_recurse(name: str) -> None:
    """Regression: names ending in a capital 'Step' sent canonical_name into infinite recursion."""
    assert isinstance(canonical_name(name), str)
    assert canonical_name("TrainStep") == "step"


def _run(cols: dict, **kw) -> Run:
    return build_run(pd.DataFrame(cols), name="r", source="s", reader="t", format=kw.pop("format", "f"), **kw)


def test_probability_names_with_logit_values_become_logits() -> None:
    run = decide(_run({"real_score": [3.2, 4.1, -1.0], "fake_score": [-2.0, -3.0, -2.5], "d_loss": [0.5, 0.4, 0.3]}))
    assert run.roles["d_real_logit"].printed == "real_score"
    assert "logits" in run.roles["d_fake_logit"].reason


def test_accuracy_in_percent_becomes_a_fraction() -> None:
    run = decide(_run({"D loss": [0.7, 0.6], "acc": [50.0, 87.5]}))
    assert list(run.frame["d_acc"]) == [0.5, 0.875]
    assert "percentage" in run.roles["d_acc"].reason


def test_derived_d_loss_sums_parts_and_says_why() -> None:
    run = decide(_run({"l_d_real": [0.7, 0.5], "l_d_fake": [0.6, 0.4], "l_g_gan": [1.0, 2.0]}))
    assert list(run.frame["loss_d"]) == pytest.approx([1.3, 0.9])
    assert run.meta["derived"]["loss_d"]["formula"] == "l_d_real + l_d_fake"
    assert "derived" in run.roles["loss_d"].reason


def test_pix2pix_halves(samples) -> None:
    text = "".join(
        f"(epoch: 1, iters: {100 * i}, time: 0.1, data: 0.01) G_GAN: 0.9 G_L1: 12.0 D_real: 0.6 D_fake: 0.8 \n"
        for i in range(1, 6))
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / "loss_log.txt"
        p.write_text(text)
        run = ganlog.load(p)
    assert run.frame["loss_d"].iloc[0] == pytest.approx(0.7)
    assert "0.5" in run.meta["derived"]["loss_d"]["formula"]
    assert run.roles["loss_g"].printed == "G_GAN"
    assert run.roles["g_l1"].role == "loss_g_part"
    assert run.loss_family.name == "bce_mean" and "pix2pix" in run.loss_family.reason


def test_g_total_beside_adversarial_term() -> None:
    run = decide(_run({"D loss": [0.5, 0.4], "G loss": [3.0, 2.5], "adv": [0.9, 0.8], "cycle": [1.0, 0.9]}))
    assert run.roles["loss_g"].printed == "adv"
    assert run.roles["loss_g_total"].printed == "G loss"


def test_two_domains_make_pairs_and_one_domain_is_the_pair() -> None:
    two = decide(_run({"D_A": [0.25, 0.2], "G_A": [0.4, 0.5], "D_B": [0.26, 0.2], "G_B": [0.3, 0.4]}))
    assert two.meta["pairs"] == {"A": {"loss_d": "loss_d_a", "loss_g": "loss_g_a"},
                                 "B": {"loss_d": "loss_d_b", "loss_g": "loss_g_b"}}
    assert "loss_d" not in two.frame.columns
    one = decide(_run({"D_A": [0.25, 0.2], "G_A": [0.4, 0.5]}))
    assert {"loss_d", "loss_g"} <= set(one.frame.columns) and "pairs" not in one.meta


def test_bare_parts_that_do_not_add_up_are_outputs() -> None:
    run = decide(_run({"Loss_D": [1.2, 1.0, 0.8], "D_real": [0.6, 0.7, 0.8], "D_fake": [0.4, 0.3, 0.2]}))
    assert run.roles["d_x"].printed == "D_real" and run.roles["d_g_z1"].printed == "D_fake"


def test_unresolved_adversarial_column_is_named() -> None:
    run = decide(_run({"D loss": [0.5, 0.6], "G loss": [1.0, 1.1], "D_G_loss": [0.1, 0.2]}))
    assert any("D_G_loss" in w and "unresolved" in w for w in run.stats.warnings)


def test_family_from_trainer_first() -> None:
    # a DCGAN excerpt that starts mid-failure: levels alone would not say bce_sum
    run = decide(_run({"epoch": [3] * 6, "iter": range(6), "Loss_D": [0.25, 0.24, 0.26, 0.2, 0.22, 0.25],
                       "Loss_G": [5.0] * 6}, format="dcgan"))
    assert run.loss_family.name == "bce_sum" and run.loss_family.decided_by == "trainer"


def test_family_names_before_levels() -> None:
    run = decide(_run({"critic": [0.7, 0.6, 0.69], "G loss": [0.7, 0.8, 0.7]}))
    assert run.loss_family.name == "wgan" and "critic" in run.loss_family.reason


def test_family_from_the_whole_run_not_the_first_records() -> None:
    d = [0.01] * 5 + [0.69 + 0.02 * math.sin(i) for i in range(60)]
    run = decide(_run({"d_loss": d, "g_loss": [0.7] * len(d)}))
    assert run.loss_family.name == "bce_mean"


def test_d_loss_zero_with_dx_one_is_unknown_with_candidates() -> None:
    run = decide(_run({"Loss_D": [0.0] * 20, "Loss_G": [27.6] * 20, "D(x)": [1.0] * 20}))
    fam = run.loss_family
    assert fam.name == "unknown"
    assert set(fam.candidates) == {"bce_sum", "bce_mean", "lsgan"}  # probabilities logged: not hinge
    assert "near 0" in fam.reason


def test_ambiguous_levels_keep_candidates() -> None:
    run = decide(_run({"d_loss": [0.45] * 30, "g_loss": [1.0] * 30}))
    assert run.loss_family.name == "unknown" and run.loss_family.candidates


def test_pins_win_and_aliases_still_work() -> None:
    run = decide(_run({"foo": [0.5, 0.4], "bar": [1.0, 1.1]}), pins={"foo": "loss_d", "bar": "my_g"})
    assert run.roles["loss_d"].printed == "foo" and run.roles["loss_d"].reason == "pinned by the user"
    assert "my_g" in run.frame.columns


def test_decided_once_and_analyze_decides_from_frame() -> None:
    frame = pd.DataFrame({"step": range(50), "disc cost": np.linspace(1.4, 1.3, 50), "gen cost": [0.7] * 50})
    run = Run.from_frame(frame)
    assert not run.decided
    analysis = ganlog.analyze(run)
    assert analysis.run.decided and "loss_d" in analysis.run.roles
    roles = dict(run.roles)
    decide(run)
    assert run.roles == roles


def test_config_roles_table_and_errors(tmp_path) -> None:
    from ganlog.config import load_config

    cfg = tmp_path / "ganlog.toml"
    cfg.write_text('[roles]\n"disc cost" = "loss_d"\n')
    assert load_config(str(cfg)).roles == {"disc cost": "loss_d"}
    cfg.write_text('[roles]\n"disc cost" = "loss_dd"\n')
    with pytest.raises(ConfigError, match=r"ganlog.toml: roles.disc cost: unknown role 'loss_dd'.*did you mean"):
        load_config(str(cfg))
    with pytest.raises(ConfigError, match="--role x=nope: unknown role"):
        load_config(None, roles=("x=nope",))


def test_parse_explain_through_the_cli(tmp_path, run_ganlog) -> None:
    p = tmp_path / "train.log"
    p.write_text("".join(f"iter {i}: disc cost: {0.3 - i / 100:.3f}, gen cost: {0.9 + i / 50:.3f}, "
                         f"D_G_loss: 0.1\n" for i in range(12)))
    proc = run_ganlog("parse", "--explain", str(p))
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "roles:" in out and "loss_d" in out and "disc cost" in out
    assert "loss family:" in out
    assert "unresolved" in out and "D_G_loss" in out
    pinned = run_ganlog("parse", "--explain", "--role", "D_G_loss=other", str(p))
    assert "pinned by the user" in pinned.stdout
    bad = run_ganlog("parse", "--explain", "--role", "D_G_loss=nonsense", str(p))
    assert bad.returncode == 2 and "unknown role 'nonsense'" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1


def test_scopes_from_the_reader_make_a_bare_name_the_networks() -> None:
    """`acc` printed inside `[D loss: ..]` is D's accuracy; inside `[G loss: ..]` it is no D role."""
    run = decide(_run({"D loss": [0.7, 0.6], "G loss": [1.0, 1.1], "acc": [50.0, 90.0], "loss": [0.3, 0.2]},
                      meta={"scopes": {"acc": "D", "loss": "G"}}))
    assert run.roles["d_acc"].printed == "acc" and "scope" in run.roles["d_acc"].reason
    assert run.roles["d_acc"].confidence >= 0.8
    run = decide(_run({"D loss": [0.7, 0.6], "acc": [50.0, 90.0]}, meta={"scopes": {"acc": "G"}}))
    assert "d_acc" not in run.frame.columns


def test_keras_gan_acc_in_both_brackets(tmp_path) -> None:
    log = tmp_path / "train.log"
    log.write_text("".join(f"{i} [D loss: 0.0{i + 1}, acc: 100.00%] [G loss: 5.{i}, acc: 0.00%]\n" for i in range(6)))
    run = ganlog.load_runs(log)[0]
    assert run.roles["d_acc"].printed == "acc"
    assert list(run.frame["d_acc"]) == [1.0] * 6
    assert run.roles["g_acc"].role == "other"


def test_score_names_that_cannot_be_probabilities_are_logits() -> None:
    """GFPGAN prints real_score/fake_score (mean D logits): inf, or NaN with no finite value, is no probability."""
    run = decide(_run({"l_d": [math.nan, math.nan], "real_score": [math.nan, math.nan],
                       "fake_score": [math.inf, math.nan]}, meta={"nan_columns": ["real_score"]}))
    assert run.roles["d_real_logit"].printed == "real_score"
    assert run.roles["d_fake_logit"].printed == "fake_score" and "inf" in run.roles["d_fake_logit"].reason
    # D(x) notation all NaN is still D(x) (a DCGAN gone NaN); finite values in [0, 1] stay probabilities
    run = decide(_run({"D(x)": [math.nan, math.nan], "real_score": [0.4, math.nan]},
                      meta={"nan_columns": ["D(x)"]}))
    assert run.roles["d_x"].printed == "D(x)"
    assert "d_real_logit" not in run.frame.columns


def test_grouped_print_scopes_its_sub_names(tmp_path) -> None:
    """`Generator_Loss (Content/Advers/Total): c/a/t`: the sub-names are G's (SRGAN prints so)."""
    log = tmp_path / "train.log"
    log.write_text("".join(f"[{e}/100][10/10] Discriminator_Loss: 0.9{e} Generator_Loss (Content/Advers/Total): "
                           f"0.002/1.2{e}/0.003\n" for e in range(4)))
    run = ganlog.load_runs(log)[0]
    assert run.meta["scopes"]["Advers"] == "Generator"
    assert run.roles["loss_g"].printed == "Advers" and run.roles["loss_g_total"].printed == "Total"
    assert run.roles["content"].role == "loss_g_part"


def test_acgan_generation_loss_is_the_adversarial_term() -> None:
    """Keras ACGAN's table: 'generation_loss' is real/fake, 'auxiliary_loss' the classifier, 'loss' the sum."""
    cols = {
        "generator (train) loss": [8.35, 9.38], "generator (train) generation_loss": [6.03, 7.07],
        "generator (train) auxiliary_loss": [2.32, 2.31], "generator (test) generation_loss": [6.09, 6.58],
        "discriminator (train) loss": [1.32, 1.21], "discriminator (train) generation_loss": [0.01, 0.0],
        "discriminator (train) auxiliary_loss": [1.31, 1.21], "discriminator (test) generation_loss": [0.0, 0.0],
    }
    run = decide(_run(cols))
    assert run.roles["loss_d"].printed == "discriminator (train) generation_loss"
    assert run.roles["loss_g"].printed == "generator (train) generation_loss"
    assert run.roles["loss_g_total"].printed == "generator (train) loss"
    assert run.roles["loss_d_cls"].printed == "discriminator (train) auxiliary_loss"
    assert run.roles["discriminator_train_loss"].role == "loss_d_total"
    assert run.roles["generator_train_auxiliary_loss"].role == "loss_g_part"


@pytest.mark.parametrize("first", ["G", "D"])
def test_optimizer_index_columns_follow_the_loss_they_equal(first: str) -> None:
    """Coqui prints loss_0/grad_norm_0/current_lr_0 per optimizer; which network is 0 changed between
    versions, so the loss that loss_0 equals decides it."""
    g, d = [16.5, 16.4], [2.1, 2.3]
    cols = {"G_gen_loss": g, "G_adv_loss": [0.0, 0.0], "D_loss": d,
            "loss_0": g if first == "G" else d, "grad_norm_0": [22.8, 28.8],
            "current_lr_0": [1e-4, 1e-4], "current_lr_1": [2e-4, 2e-4]}
    run = decide(_run(cols))
    zero, one = ("g", "d") if first == "G" else ("d", "g")
    assert run.roles[f"grad_norm_{zero}"].printed == "grad_norm_0"
    assert run.roles[f"lr_{zero}"].printed == "current_lr_0"
    assert run.roles[f"lr_{one}"].printed == "current_lr_1"
    # no loss to match: the index alone decides nothing
    run = decide(_run({"grad_norm_0": [1.0, 2.0], "current_lr_0": [1e-4, 1e-4]}))
    assert "grad_norm_g" not in run.frame.columns and "lr_g" not in run.frame.columns


def test_singular_values_are_not_losses_and_gan406_still_finds_them() -> None:
    """BigGAN-PyTorch logs D_loss_real/D_loss_fake beside get_SVs columns (D_blocks_0_conv1_sv0)."""
    from ganlog.detectors.modern import SV_COLUMN

    n = 40
    sv = list(np.geomspace(1.0, 40.0, n))
    run = decide(_run({"itr": list(range(n)), "G_loss": [1.0] * n, "D_loss_real": [0.5] * n,
                       "D_loss_fake": [0.4] * n, "D_blocks_0_conv1_sv0": sv, "G_linear_sv0": sv,
                       "D_sigma": [1.0] * n}))
    assert run.roles["loss_d"].printed.startswith("(D_loss_real")  # derived from the parts, not an sv column
    svs = [c for c, r in run.roles.items() if r.role == "spectral"]
    assert len(svs) == 3 and all(SV_COLUMN.search(c) for c in svs)
    codes = {f.code for f in ganlog.analyze(run).findings}
    assert "GAN406" in codes


def test_family_from_trainer_hints_of_metric_only_logs(tmp_path) -> None:
    """No D loss logged: the trainer the print gives away still says the family."""
    big = tmp_path / "log.jsonl"
    big.write_text("".join(f'{{"itr": {i * 2000}, "IS_mean": 1.{i}, "IS_std": 0.01, "FID": 3{i}0.5, "_stamp": 16437{i}}}\n'
                           for i in range(1, 5)))
    run = ganlog.load_runs(big)[0]
    assert run.meta["trainer"] == "biggan" and run.loss_family.name == "hinge"
    coqui = tmp_path / "train.log"
    coqui.write_text(" > TRAINING (2021-11-29 10:06:07) \n\n   --> STEP: 24/352 -- GLOBAL_STEP: 244300\n"
                     "     | > G_gen_loss: 16.55468  (15.96176)\n     | > G_adv_loss: 0.00000  (0.00000)\n")
    run = ganlog.load_runs(coqui)[0]
    assert run.meta["trainer"] == "coqui" and run.loss_family.name == "lsgan"


def test_family_coarse_zeros_are_not_hinge_and_score_logits_do_not_refute_bce() -> None:
    # a D loss printed with two decimals: 0.00 is any loss under 0.005, not hinge's exact clamp
    run = decide(_run({"D loss": [0.01, 0.0, 0.0, 0.0], "G loss": [6.0, 7.1, 7.0, 7.2]}))
    assert run.loss_family.name != "hinge"
    # BasicSR logs mean raw D outputs (out_d_real) under BCE-with-logits: still its default BCE
    run = decide(_run({"l_d_real": [0.5, 0.4, 0.6], "l_d_fake": [0.7, 0.6, 0.8], "l_g_gan": [1.0, 1.1, 0.9],
                       "out_d_real": [3.0, 4.0, 2.5], "out_d_fake": [-2.0, -3.0, -1.0]}, meta={"trainer": "basicsr"}))
    assert run.loss_family.name == "bce_sum"
