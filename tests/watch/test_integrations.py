"""In-loop integrations: GanLogger in a plain loop, and the Lightning callback in a real fit."""

from __future__ import annotations

import math
import random

import pytest

from ganlog.integrations import GanLogger, GanlogStop


def _values(step: int, nan_from: int) -> dict:
    bad = step >= nan_from
    return dict(loss_d=math.nan if bad else 1.38 + random.gauss(0, 0.05),
                loss_g=math.nan if bad else 0.69 + random.gauss(0, 0.05),
                d_x=0.5 + random.gauss(0, 0.02), d_g_z1=0.5, d_g_z2=0.49, lr_d=2e-4)


def test_gan_logger_writes_canonical_jsonl_and_returns_at_a_finding(tmp_path):
    torch = pytest.importorskip("torch")
    random.seed(0)
    g = GanLogger(tmp_path / "m.jsonl", check_every=50, stop_on="error")
    stopped = None
    for step in range(1000):
        v = _values(step, 600)
        v["loss_d"] = torch.tensor(v["loss_d"])  # a 0-d tensor is accepted
        v["errG"] = v.pop("loss_g")  # an alias becomes the canonical name
        if g.log(step, **v):
            stopped = step
            break
    assert stopped is not None and 600 <= stopped < 700
    assert g.should_stop and g.stop_findings[0].code == "GAN401"
    import ganlog

    run = ganlog.load(str(tmp_path / "m.jsonl"))
    assert {"loss_d", "loss_g", "d_x", "d_g_z1", "d_g_z2", "lr_d"} <= set(run.frame.columns)
    assert len(run.frame) == stopped + 1


def test_gan_logger_raises_when_asked(tmp_path):
    random.seed(1)
    with GanLogger(tmp_path / "m.jsonl", check_every=25, raise_on_stop=True) as g:
        with pytest.raises(GanlogStop) as exc:
            for step in range(500):
                g.log(step, **_values(step, 200))
    assert exc.value.findings[0].code == "GAN401"


def test_lightning_callback_stops_a_diverging_fit(tmp_path):
    pytest.importorskip("lightning", reason="PyTorch Lightning is not installed (ganlog[lightning])")
    import lightning as L
    import torch

    from ganlog.integrations import GanlogCallback

    torch.set_num_threads(1)

    class TinyGAN(L.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.automatic_optimization = False
            self.G = torch.nn.Linear(2, 2)
            self.D = torch.nn.Linear(2, 1)

        def training_step(self, batch, batch_idx):
            opt_g, opt_d = self.optimizers()
            real = batch[0]
            fake = self.G(torch.randn_like(real))
            bce = torch.nn.functional.binary_cross_entropy_with_logits
            out_r, out_f = self.D(real), self.D(fake.detach())
            loss_d = bce(out_r, torch.ones_like(out_r)) + bce(out_f, torch.zeros_like(out_f))
            if self.global_step >= 400:  # the run diverges
                loss_d = loss_d * float("nan")
            opt_d.zero_grad()
            self.manual_backward(loss_d)
            opt_d.step()
            out_g = self.D(fake)
            loss_g = bce(out_g, torch.ones_like(out_g))
            opt_g.zero_grad()
            self.manual_backward(loss_g)
            opt_g.step()
            self.log_dict({"d_loss": loss_d, "g_loss": loss_g, "D(x)": torch.sigmoid(out_r).mean()})

        def configure_optimizers(self):
            return (torch.optim.Adam(self.G.parameters(), 1e-3), torch.optim.Adam(self.D.parameters(), 1e-3))

    data = torch.utils.data.TensorDataset(torch.randn(4096, 2))
    loader = torch.utils.data.DataLoader(data, batch_size=8)
    cb = GanlogCallback(str(tmp_path / "ganlog.jsonl"), check_every=50, stop_on="error")
    trainer = L.Trainer(max_epochs=1, callbacks=[cb], logger=False, enable_checkpointing=False,
                        enable_progress_bar=False, enable_model_summary=False, accelerator="cpu",
                        default_root_dir=str(tmp_path))
    trainer.fit(TinyGAN(), loader)
    assert cb.findings and cb.findings[0].code == "GAN401"
    # stopped soon after the divergence (global_step counts both optimizers' steps)
    assert 400 <= trainer.global_step < 400 + 2 * 100 + 10, trainer.global_step
    import ganlog

    run = ganlog.load(str(tmp_path / "ganlog.jsonl"))
    assert {"loss_d", "loss_g", "d_x"} <= set(run.frame.columns)
