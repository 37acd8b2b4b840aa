"""Event files written by real writers (tensorboardX, torch), read back point for point."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

import ganlog
from ganlog.errors import InputError
from ganlog.readers import Source, explain
from ganlog.readers._crc32c import crc32c_py, masked_crc, masked_crc_batch
from ganlog.readers._eventproto import Points, decode_event
from ganlog.readers._tfrecord import frame

tbx = pytest.importorskip("tensorboardX")


def event_file(d: Path) -> Path:
    files = sorted(d.glob("events.out.tfevents.*"))
    assert len(files) == 1, files
    return files[0]


def write_losses(d: Path, steps: range, seed: int = 0, fid_every: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    d_loss = (0.6 + 0.2 * rng.random(len(steps))).astype(np.float32)
    g_loss = (0.9 + 0.3 * rng.random(len(steps))).astype(np.float32)
    w = tbx.SummaryWriter(str(d), flush_secs=3600, max_queue=100000)
    for i, s in enumerate(steps):
        w.add_scalar("Loss/D", float(d_loss[i]), s)
        w.add_scalar("Loss/G", float(g_loss[i]), s)
        if fid_every and s % fid_every == 0:
            w.add_scalar("metrics/fid50k_full", 100.0 - s / 100, s)
    w.close()
    return {"loss_d": d_loss, "loss_g": g_loss}


@pytest.fixture(scope="module")
def big_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, np.ndarray]]:
    d = tmp_path_factory.mktemp("tbx_big")
    vals = write_losses(d, range(12_000), fid_every=1_000)
    return d, vals


def test_every_point_kept_and_aliased(big_run: tuple[Path, dict[str, np.ndarray]]) -> None:
    d, vals = big_run
    run = ganlog.load(event_file(d))
    df = run.frame
    # TensorBoard's accumulator would keep 10,000 per tag; we keep all 12,000.
    assert len(df) == 12_000
    assert run.reader == "tensorboard" and run.format == "tfevents"
    assert df["step"].tolist() == list(range(12_000))
    np.testing.assert_array_equal(df["loss_d"].to_numpy(np.float32), vals["loss_d"])
    np.testing.assert_array_equal(df["loss_g"].to_numpy(np.float32), vals["loss_g"])
    # FID every 1,000 steps, aligned on step, NaN elsewhere.
    fid = df.set_index("step")["fid"]
    assert fid.notna().sum() == 12
    assert fid.loc[3000] == pytest.approx(70.0)
    assert run.original_names["loss_d"] == "Loss/D"
    assert not run.partial and run.n_segments == 1
    assert df["wall_time"].notna().all()


def test_same_values_as_tbparse(big_run: tuple[Path, dict[str, np.ndarray]]) -> None:
    tbparse = pytest.importorskip("tbparse")
    d, _ = big_run
    ref = tbparse.SummaryReader(str(event_file(d)), pivot=False).scalars
    run = ganlog.load(event_file(d))
    for tag, col in (("Loss/D", "loss_d"), ("Loss/G", "loss_g"), ("metrics/fid50k_full", "fid")):
        want = ref[ref["tag"] == tag].sort_values("step")
        got = run.frame[["step", col]].dropna()
        assert got["step"].tolist() == want["step"].tolist()
        np.testing.assert_allclose(got[col].to_numpy(), want["value"].to_numpy(), rtol=0, atol=0)


def test_fast_path_agrees_with_general_decoder(big_run: tuple[Path, dict[str, np.ndarray]]) -> None:
    d, _ = big_run
    data = event_file(d).read_bytes()
    fr = frame(data)
    pts = Points()
    for r, (s, n) in enumerate(zip(fr.starts.tolist(), fr.lengths.tolist())):
        decode_event(data, s, s + n, r, pts)
    run = ganlog.load(event_file(d))
    d_rows = [(st, v) for t, st, v in zip(pts.tag, pts.step, pts.value) if t == "Loss/D"]
    assert len(d_rows) == 12_000
    np.testing.assert_array_equal(np.array([v for _, v in d_rows]), run.frame["loss_d"].to_numpy())
    assert pts.file_version == "brain.Event:2"


def test_torch_summary_writer(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    pytest.importorskip("tensorboard", reason="torch.utils.tensorboard needs the tensorboard package")
    from torch.utils.tensorboard import SummaryWriter

    w = SummaryWriter(str(tmp_path))
    for s in range(50):
        w.add_scalar("Loss_D", 0.5 + s / 100, s)
        w.add_scalar("Loss_G", 1.5 - s / 100, s)
        w.add_scalar("D(x)", 0.7, s, new_style=(s % 2 == 0))  # tensor scalars on even steps
    w.add_scalars("loss", {"real": 0.3, "fake": 0.2}, 7)  # torch folds into loss_real/ loss_fake/
    w.close()
    run = ganlog.load(tmp_path)
    df = run.frame
    assert len(df) == 50
    np.testing.assert_allclose(df["loss_d"], 0.5 + np.arange(50) / 100, rtol=1e-6)
    assert df["d_x"].notna().all()  # simple_value and new_style tensor both read
    row = df.set_index("step").loc[7]
    # folded back as "loss/real", "loss/fake": aliases of the D loss on real and fake samples
    assert row["loss_d_real"] == pytest.approx(0.3) and row["loss_d_fake"] == pytest.approx(0.2)


def test_tensorboardx_add_scalars_folded_into_parent(tmp_path: Path) -> None:
    w = tbx.SummaryWriter(str(tmp_path))
    for s in range(20):
        w.add_scalars("Loss", {"D": 0.5, "G": 1.0 + s}, s)
    w.close()
    runs = ganlog.load_runs(tmp_path)
    assert len(runs) == 1
    df = runs[0].frame
    assert {"loss_d", "loss_g"} <= set(df.columns)
    assert df["loss_g"].tolist() == [1.0 + s for s in range(20)]


def _tf2_event(step: int, tag: str, **tensor: object) -> bytes:
    """A TF2-style scalar: the value in a TensorProto with the scalars plugin's metadata."""
    from tensorboardX.proto.event_pb2 import Event
    from tensorboardX.proto.summary_pb2 import Summary, SummaryMetadata
    from tensorboardX.proto.tensor_pb2 import TensorProto

    meta = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="scalars"))
    value = Summary.Value(tag=tag, metadata=meta, tensor=TensorProto(**tensor))
    return Event(wall_time=1.7e9 + step, step=step, summary=Summary(value=[value])).SerializeToString()


def test_tf2_tensor_scalars(tmp_path: Path) -> None:
    from tensorboardX.event_file_writer import EventFileWriter
    from tensorboardX.proto.event_pb2 import Event
    from tensorboardX.proto.tensor_shape_pb2 import TensorShapeProto

    w = EventFileWriter(str(tmp_path))
    for s in range(10):
        for raw in (
            _tf2_event(s, "train/d_loss", dtype=1, float_val=[0.25 * s]),  # DT_FLOAT, float_val
            _tf2_event(s, "train/g_loss", dtype=2, double_val=[1.0 + s]),  # DT_DOUBLE, double_val
            _tf2_event(s, "lr_d", dtype=1, tensor_content=struct.pack("<f", 2e-4)),  # tensor_content
            _tf2_event(s, "hist", dtype=1, float_val=[1, 2, 3],  # not a scalar: skipped
                       tensor_shape=TensorShapeProto(dim=[TensorShapeProto.Dim(size=3)])),
        ):
            w.add_event(Event.FromString(raw))
    w.close()
    run = ganlog.load(event_file(tmp_path))
    df = run.frame
    assert df["loss_d"].tolist() == [0.25 * s for s in range(10)]
    assert df["loss_g"].tolist() == [1.0 + s for s in range(10)]
    assert df["lr_d"].to_numpy() == pytest.approx(np.full(10, 2e-4))
    assert "hist" not in df.columns


def test_resumed_run_becomes_segments(tmp_path: Path) -> None:
    write_losses(tmp_path / "a", range(0, 200))
    # a second launch resumed from the checkpoint at step 150, into the same folder
    w = tbx.SummaryWriter(str(tmp_path / "a"), filename_suffix=".resumed")
    for s in range(150, 300):
        w.add_scalar("Loss/D", 0.5, s)
        w.add_scalar("Loss/G", 0.7, s)
    w.close()
    run = ganlog.load(tmp_path / "a")
    df = run.frame
    assert run.n_segments == 2
    assert len(df) == 200 + 150
    seg1 = df[df["segment"] == 1]
    assert seg1["step"].iloc[0] == 150 and (seg1["loss_d"] == 0.5).all()


def test_tags_written_one_after_another_are_not_a_resume(tmp_path: Path) -> None:
    w = tbx.SummaryWriter(str(tmp_path))
    for s in range(100):
        w.add_scalar("d_loss", 0.6, s)
    for s in range(100):
        w.add_scalar("g_loss", 0.8, s)
    w.close()
    run = ganlog.load(event_file(tmp_path))
    assert run.n_segments == 1 and len(run.frame) == 100
    assert run.frame[["loss_d", "loss_g"]].notna().all().all()


def test_sniffed_by_framing_not_name(tmp_path: Path) -> None:
    write_losses(tmp_path / "w", range(30))
    renamed = tmp_path / "my_losses.bin"
    renamed.write_bytes(event_file(tmp_path / "w").read_bytes())
    best = explain(Source.from_path(renamed))[0]
    assert best.reader.name == "tensorboard"
    assert len(ganlog.load(renamed).frame) == 30


def test_truncated_last_record(tmp_path: Path, run_ganlog) -> None:  # type: ignore[no-untyped-def]
    write_losses(tmp_path / "w", range(100))
    data = event_file(tmp_path / "w").read_bytes()
    cut = tmp_path / "events.out.tfevents.123.host"
    cut.write_bytes(data[:-10])
    run = ganlog.load(cut)
    assert run.partial
    assert len(run.frame) == 100 and np.isnan(run.frame["loss_g"].iloc[-1])  # last G point lost
    assert any("byte " in w and "cut short" in w for w in run.stats.warnings)
    proc = run_ganlog("analyze", str(cut))
    assert proc.returncode == 2
    assert "ganlog · " in proc.stdout  # what was readable is still analyzed
    errs = [ln for ln in proc.stderr.splitlines() if ln.startswith("ganlog: error:")]
    assert len(errs) == 1 and str(cut) in errs[0] and "byte" in errs[0]
    assert "Traceback" not in proc.stderr


def test_corrupted_record_skipped_with_offset(tmp_path: Path) -> None:
    write_losses(tmp_path / "w", range(100))
    data = bytearray(event_file(tmp_path / "w").read_bytes())
    fr = frame(bytes(data))
    k = 51  # a record in the middle: flip one byte of its payload
    data[int(fr.starts[k]) + 3] ^= 0xFF
    bad = tmp_path / "events.out.tfevents.1.host"
    bad.write_bytes(bytes(data))
    run = ganlog.load(bad)
    assert run.partial
    offset = int(fr.starts[k]) - 12
    assert any(f"byte {offset:,}" in w and "checksum" in w for w in run.stats.warnings)
    assert run.frame[["loss_d", "loss_g"]].isna().sum().sum() == 1  # exactly the one point lost
    assert len(run.frame) == 100


def test_corrupted_length_resyncs(tmp_path: Path) -> None:
    write_losses(tmp_path / "w", range(100))
    data = bytearray(event_file(tmp_path / "w").read_bytes())
    fr = frame(bytes(data))
    k = 40
    data[int(fr.starts[k]) - 12] ^= 0x40  # the length field of record k
    bad = tmp_path / "events.out.tfevents.2.host"
    bad.write_bytes(bytes(data))
    run = ganlog.load(bad)
    assert run.partial
    assert any("length checksum" in w for w in run.stats.warnings)
    # only record k is lost: the reader found the next valid header after it
    assert run.frame[["loss_d", "loss_g"]].isna().sum().sum() == 1


def test_not_an_event_file(tmp_path: Path, run_ganlog) -> None:  # type: ignore[no-untyped-def]
    fake = tmp_path / "events.out.tfevents.99.host"
    fake.write_text("Epoch 1 loss 0.5\n" * 20)
    with pytest.raises(InputError, match="not a TensorBoard event file"):
        ganlog.load(fake)
    proc = run_ganlog("analyze", str(fake))
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0
    assert "byte 0" in proc.stderr and str(fake) in proc.stderr


def test_only_histograms_says_what_was_found(tmp_path: Path) -> None:
    w = tbx.SummaryWriter(str(tmp_path))
    w.add_histogram("weights", np.arange(10), 0)
    w.close()
    with pytest.raises(InputError, match="no scalar values.*histogram"):
        ganlog.load(event_file(tmp_path))


def test_crc_implementations_agree() -> None:
    rng = np.random.default_rng(1)
    blobs = [bytes(rng.integers(0, 256, n, dtype=np.uint8)) for n in (0, 1, 8, 45, 300)]
    buf = np.frombuffer(b"".join(blobs), dtype=np.uint8)
    lengths = np.array([len(b) for b in blobs])
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    batch = masked_crc_batch(buf, starts, lengths)
    for b, got in zip(blobs, batch):
        assert masked_crc(b) == int(got)
    assert crc32c_py(b"123456789") == 0xE3069283  # the CRC-32C check value


def test_without_the_crc32c_package(big_run: tuple[Path, dict[str, np.ndarray]],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The core install has no crc32c: the numpy checksum path must find the same damage."""
    import ganlog.readers._crc32c as crc

    d, vals = big_run
    data = bytearray(event_file(d).read_bytes())
    fr = frame(bytes(data))
    data[int(fr.starts[500]) + 5] ^= 0x01
    monkeypatch.setattr(crc, "_c_crc32c", None)
    fr2 = frame(bytes(data))
    assert [p.kind for p in fr2.problems] == ["bad-data-crc"]
    assert fr2.problems[0].offset == int(fr.starts[500]) - 12
    assert len(fr2.starts) == len(fr.starts) - 1


def test_event_file_on_stdin(tmp_path: Path, run_ganlog) -> None:  # type: ignore[no-untyped-def]
    write_losses(tmp_path, range(300))
    proc = run_ganlog("parse", "-", input=event_file(tmp_path).read_bytes())
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("step,segment,wall_time,loss_d,loss_g") and len(lines) == 301
