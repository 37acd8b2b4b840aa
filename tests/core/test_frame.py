"""The normalized Run: aliases, global steps, segments, values as trainers print them."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from ganlog.frame import ALIASES, alias_key, build_run, canonical_name, flatten_record, to_float


@pytest.mark.parametrize(
    "logged, canonical",
    [
        ("Loss_D", "loss_d"), ("errD", "loss_d"), ("d_loss", "loss_d"), ("D loss", "loss_d"),
        ("Dis_loss", "loss_d"), ("Loss/D/loss", "loss_d"), ("discriminator_loss", "loss_d"),
        ("Loss_G", "loss_g"), ("errG", "loss_g"), ("G loss", "loss_g"), ("Loss/G/loss", "loss_g"),
        ("D(x)", "d_x"), ("D_G_z1", "d_g_z1"), ("D_G_z2", "d_g_z2"),
        ("errD_real", "loss_d_real"), ("d_loss_fake", "loss_d_fake"),
        ("metrics/fid50k_full", "fid"), ("global_step", "step"),
    ],
)
def test_alias_table_maps_common_names(logged: str, canonical: str) -> None:
    assert canonical_name(logged) == canonical


def test_unknown_names_keep_a_snake_case_name() -> None:
    assert canonical_name("cycle_A") == "cycle_a"
    assert canonical_name("Loss/G/pl_penalty") == "loss_g_pl_penalty"
    assert canonical_name("idtA") == "idt_a"


def test_user_aliases_win() -> None:
    assert canonical_name("adv_d", {"adv_d": "loss_d"}) == "loss_d"


def test_alias_keys_are_unambiguous() -> None:
    assert alias_key("Loss-D") == alias_key("loss d") == alias_key("LOSS/D")
    assert ALIASES[alias_key("Loss-D")] == "loss_d"


@pytest.mark.parametrize(
    "text, value",
    [("0.5", 0.5), ("1e-3", 1e-3), ("50.00%", 50.0), ("nan", math.nan), ("N/A", math.nan),
     ("inf", math.inf), ("-inf", -math.inf), ("garbage", math.nan)],
)
def test_values_as_printed(text: str, value: float) -> None:
    got = to_float(text)
    assert (math.isnan(got) and math.isnan(value)) or got == value


def test_global_step_from_epoch_and_iter_one_based() -> None:
    records = [
        {"Epoch": 1, "iter": 1900, "iters_per_epoch": 9338, "Loss_D": 0.2},
        {"Epoch": 3, "iter": 1100, "iters_per_epoch": 9338, "Loss_D": 0.03},
    ]
    run = build_run(records, name="r", source="s", reader="t", format="f")
    assert list(run.frame["step"]) == [1900, 2 * 9338 + 1100]
    assert run.describe_step(2 * 9338 + 1100) == "step 19,776 (epoch 3, iter 1,100)"


def test_steps_going_back_start_a_new_segment() -> None:
    df = pd.DataFrame({"step": [0, 10, 20, 10, 20, 30], "loss_d": [1.0] * 6})
    run = build_run(df, name="r", source="s", reader="t", format="f")
    assert list(run.frame["segment"]) == [0, 0, 0, 1, 1, 1]
    assert run.n_segments == 2


def test_stylegan_style_nested_record_flattens_to_means() -> None:
    flat = flatten_record({"Loss/D/loss": {"num": 4, "mean": 0.5, "std": 0.1}, "kimg": 4.0})
    assert flat == {"Loss/D/loss": 0.5, "Loss/D/loss/std": 0.1, "kimg": 4.0}
