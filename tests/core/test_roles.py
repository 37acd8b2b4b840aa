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


@pytest.mark.parametrize("name", ["TrainStep", "Perf/ImagesPerStep", "ValStep", "StepStep", "GStep"])
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
