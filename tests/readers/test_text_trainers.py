"""Known formats name their trainer, keep printed names, and read back what their writers print."""

from __future__ import annotations

import json
import random

import pytest

from ganlog.readers import Source, load
from ganlog.readers.formats import FORMATS, get_format

TRAINERS = {
    "dcgan_tutorial.log": "pytorch-dcgan", "pytorch_gan.log": "pytorch-gan", "keras_gan.log": "keras-gan",
    "cyclegan_loss_log.log": "cyclegan", "basicsr.log": "basicsr", "basicsr_mmsr.log": "basicsr",
    "stylegan2_ada.log": "stylegan2-ada", "stylegan3.log": "stylegan3", "spade.log": "spade",
    "biggan.log": "biggan", "hifigan.log": "hifigan", "ctgan.log": "ctgan", "stargan.log": "stargan",
    "mmgen.log": "mmgen", "chainer_log": "chainer",
}


@pytest.mark.parametrize("name", sorted(TRAINERS))
def test_known_formats_name_their_trainer(samples, name: str) -> None:
    assert load(samples / name).meta.get("trainer") == TRAINERS[name]


def test_every_format_names_a_trainer_and_its_source() -> None:
    for fmt in FORMATS:
        assert fmt.trainer, fmt.name
    for name in ("basicsr", "stylegan", "spade", "biggan", "hifigan", "ctgan", "stargan", "mmgen"):
        assert get_format(name).source, name  # type: ignore[union-attr]


def test_printed_names_are_kept(samples) -> None:
    run = load(samples / "dcgan_tutorial.log")
    assert set(run.original_names.values()) >= {"Loss_D", "Loss_G", "D(x)", "D(G(z))1", "D(G(z))2"}
    run = load(samples / "spade.log")
    assert set(run.original_names.values()) >= {"GAN", "GAN_Feat", "VGG", "D_Fake", "D_real", "KLD"}


def test_stylegan_step_is_images_seen(samples) -> None:
    run = load(samples / "stylegan3.log")
    assert (run.frame["step"] == (run.frame["kimg"] * 1000).round()).all()
    run = load(samples / "stylegan2_ada.log")  # its first line is a snapshot's FID: the first tick's
    assert _col(run, "fid50k_full").iloc[0] == pytest.approx(46.5633)


def test_stylegan_metric_json_lines_in_log_txt(tmp_path) -> None:
    lines = []
    for t in range(6):
        lines.append(f"tick {t}     kimg {t * 4.0:.1f}      time {t}m 02s       sec/tick 62.3    sec/kimg 15.57   "
                     f"maintenance 0.0    cpumem 4.82   gpumem 11.22  reserved 12.25  augment {t * 0.01:.3f}")
        if t % 2 == 0:
            lines.append(json.dumps({"results": {"fid50k_full": 100.0 - t}, "metric": "fid50k_full",
                                     "total_time": 457.1, "snapshot_pkl": f"network-snapshot-{t * 4:06d}.pkl"}))
    p = tmp_path / "log.txt"
    p.write_text("\n".join(lines) + "\n")
    run = load(p)
    assert run.format == "stylegan" and len(run.frame) == 6
    assert _col(run, "fid50k_full").tolist()[::2] == [100.0, 98.0, 96.0]


def test_mmgen_validation_lines_are_sparse_columns(samples) -> None:
    run = load(samples / "mmgen.log")
    fid = _col(run, "fid").set_axis(run.frame["step"]).dropna()
    assert fid.index.tolist() == [1000, 2000]
    assert "iter_val" not in run.frame.columns


def test_chainer_json_array(samples, tmp_path) -> None:
    run = load(samples / "chainer_log")
    assert run.format == "json-array" and len(run.frame) == 20
    assert run.frame["step"].tolist()[:2] == [100, 200]
    cut = tmp_path / "log"
    cut.write_text((samples / "chainer_log").read_text()[:-200])
    run = load(cut)
    assert run.partial and 0 < len(run.frame) < 20


def test_stylegan_metric_jsonl(tmp_path) -> None:
    p = tmp_path / "metric-fid50k_full.jsonl"
    p.write_text("".join(json.dumps({"results": {"fid50k_full": 400.0 / (k + 1)}, "metric": "fid50k_full",
                                     "snapshot_pkl": f"network-snapshot-{k * 200:06d}.pkl"}) + "\n"
                         for k in range(4)))
    run = load(p)
    assert run.frame["step"].tolist() == [0, 200000, 400000, 600000]
    assert _col(run, "fid50k_full").iloc[1] == 200.0


def test_numbered_jsonl_lines(tmp_path) -> None:
    p = tmp_path / "log.jsonl"
    p.write_text("".join(f"   {k} " + json.dumps({"itr": k * 100, "FID": 50.0 - k, "IS_mean": 2.0 + k}) + "\n"
                         for k in range(1, 5)))
    run = load(p)
    assert len(run.frame) == 4 and _col(run, "FID").tolist() == [49.0, 48.0, 47.0, 46.0]


def _col(run, printed: str):
    """The column the log printed as ``printed`` (the roles resolver decides the column's name)."""
    for col, name in run.original_names.items():
        if name == printed:
            return run.frame[col]
    return run.frame[printed]


# -- round trips: what each trainer's print statement writes reads back as written ------------

def _roundtrip(text: str, fmt: str):
    run = load(Source.from_bytes(text.encode(), "train.log"))
    assert run.format == fmt, run.meta.get("format_reason")
    return run


def test_roundtrip_basicsr() -> None:
    rnd = random.Random(0)
    want = [(rnd.uniform(0, 0.1), rnd.uniform(0, 1)) for _ in range(30)]
    text = "".join(f"2021-03-02 10:11:12,345 INFO: [train..][epoch:{i // 10:3d}, iter:{(i + 1) * 100:8,d}, "
                   f"lr:(1.000e-04,)] [eta: 1 day, 2:03:04, time (data): 0.123 (0.005)] l_g_pix: {a:.4e} "
                   f"l_g_gan: 1.0000e-02 l_d_real: {b:.4e} l_d_fake: {b:.4e} out_d_real: 1.0e+01 out_d_fake: 2.0e+00\n"
                   for i, (a, b) in enumerate(want))
    run = _roundtrip(text, "basicsr")
    assert run.frame["step"].tolist() == [(i + 1) * 100 for i in range(30)]
    assert _col(run, "l_d_real").tolist() == pytest.approx([float(f"{b:.4e}") for _, b in want])


def test_roundtrip_stargan_v2() -> None:
    text = "".join(f"Elapsed time [0:0{i}:00], Iteration [{i * 10}/100000], D/latent_real: [{0.5 + i / 100:.4f}] "
                   f"D/latent_fake: [0.4000] G/latent_adv: [0.7000] G/latent_cyc: [0.3000]\n" for i in range(1, 9))
    run = _roundtrip(text, "stargan")
    assert run.frame["step"].tolist() == [i * 10 for i in range(1, 9)]
    assert _col(run, "D/latent_real").iloc[-1] == pytest.approx(0.58)


def test_roundtrip_hifigan_ctgan_biggan_spade() -> None:
    run = _roundtrip("".join(f"Steps : {s}, Gen Loss Total : {30 - s / 100:.3f}, Mel-Spec. Error : 0.400, "
                             f"s/b : 1.100\n" for s in range(0, 500, 100)), "hifigan")
    assert run.frame["step"].tolist() == [0, 100, 200, 300, 400]
    run = _roundtrip("".join(f"Epoch {e}, Loss G: {-e / 10: .4f},Loss D: {e / 20: .4f}\n" for e in range(1, 6)),
                     "ctgan")
    assert _col(run, "Loss G").tolist() == [-0.1, -0.2, -0.3, -0.4, -0.5]
    run = _roundtrip("".join(f"itr: {i}, G_loss : {0.5:+4.3f}, D_loss_real : {-0.25:+4.3f}, D_loss_fake : "
                             f"{0.125:+4.3f}\n" for i in (50, 100, 150)), "biggan")
    assert run.frame["step"].tolist() == [50, 100, 150] and _col(run, "D_loss_real").iloc[0] == -0.25
    run = _roundtrip("".join(f"(epoch: {e}, iters: {i}, time: 0.130) GAN: 1.000 GAN_Feat: 14.000 VGG: 9.000 "
                             f"D_Fake: 0.500 D_real: 0.400 \n" for e in (1, 2) for i in (100, 200)), "spade")
    assert run.frame["step"].tolist() == [100, 200, 300, 400]


def test_roundtrip_lightning_bar_and_keras_fit() -> None:
    bar = "Epoch {e}: 100%|##########| {i}/{n} [00:10<00:00, 44.1it/s, loss=0.5, v_num=0, d_loss={d}, g_loss={g}]"
    text = "\r".join(bar.format(e=e, i=i, n=200, d=0.1 * e, g=1 + i / 1000) for e in (0, 1, 2) for i in (100, 200))
    run = load(Source.from_bytes(text.encode(), "train.log"))
    assert run.meta.get("trainer") == "lightning"
    assert run.frame["step"].tolist() == [100, 200, 300, 400, 500, 600]
    assert _col(run, "d_loss").tolist() == pytest.approx([0.0, 0.0, 0.1, 0.1, 0.2, 0.2])
    text = "".join(f"Epoch {e}/3\n938/938 [==============================] - 12s 13ms/step - d_loss: {0.5 + e / 10:.4f} "
                   f"- g_loss: 1.2000 - real_acc: 0.9000\n" for e in (1, 2, 3))
    run = _roundtrip(text, "keras_progress")
    assert _col(run, "d_loss").tolist() == [0.6, 0.7, 0.8] and _col(run, "real_acc").iloc[0] == 0.9


def test_mmgen_log_json_evaluation_entries_are_sparse_columns() -> None:
    lines = [json.dumps({"env_info": "sys.platform: linux", "seed": None, "config": "model = dict()"})]
    for it in range(100, 1100, 100):
        lines.append(json.dumps({"mode": "train", "epoch": 1, "iter": it, "lr": {"generator": 1e-4},
                                 "memory": 4006, "data_time": 0.01, "loss_disc_fake": 0.6, "loss_disc_real": 0.7,
                                 "loss_gen": 0.8, "time": 0.35}))
        if it % 500 == 0:
            lines.append(json.dumps({"mode": "val", "epoch": 1, "iter": it, "fid": 100.0 - it / 100}))
    run = load(Source.from_bytes(("\n".join(lines) + "\n").encode(), "20210601_101112.log.json"))
    assert len(run.frame) == 10 and run.meta.get("trainer") == "mmgen"
    assert _col(run, "fid").set_axis(run.frame["step"]).dropna().to_dict() == {500: 95.0, 1000: 90.0}


def test_generic_examples_read() -> None:
    from ganlog.readers.formats import SPECIAL_EXAMPLES

    for ex in SPECIAL_EXAMPLES["generic"]:
        run = load(Source.from_bytes((ex + "\n").encode(), "x.log"), format="generic")
        assert len(run.frame) >= 1, ex
