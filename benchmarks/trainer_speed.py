"""Trainer speed: ganlog's reference loop with its logging against a plain PyTorch loop.

For each scenario the same models, optimisers, batch size and loss are
trained three ways, interleaved and repeated, on one device:

* ``plain``: a textbook GAN loop written here (D step, G step, nothing else):
  the baseline a user's own trainer would be,
* ``loop, no logging``: ganlog's loop with ``log_every=0`` (what its fault and
  remedy switches cost on their own),
* ``loop + logging``: ganlog's loop logging at the scenario's rate (losses and
  their parts, D(x), D(G(z)) before/after, gradient norms, quality measures),
  then writing the run in every format (text logs, JSONL, TensorBoard, npy).

The logging overhead is ``(loop + logging + writing) / plain - 1`` (issue 6:
under 10% on a GPU). Runs unchanged on CPU or CUDA::

    python benchmarks/trainer_speed.py                      # auto device, 3 scenarios, 3 repeats
    python benchmarks/trainer_speed.py --device cuda --steps 2000 --json speed.json
    python benchmarks/trainer_speed.py --scenario d-overpowers --repeats 5
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402

from ganlog.trainer import SCENARIOS, scale_steps  # noqa: E402
from ganlog.trainer.config import TrainConfig  # noqa: E402
from ganlog.trainer.data import make_dataset  # noqa: E402
from ganlog.trainer.loop import (  # noqa: E402
    build_networks, build_optimizers, d_loss_parts, g_loss, gradient_penalty, pick_device, train,
)
from ganlog.trainer.writers import write_run  # noqa: E402

DEFAULT_SCENARIOS = ("healthy-bce", "healthy-wgan-gp", "d-overpowers")


def _sync(dev: torch.device) -> None:
    if dev.type == "cuda":
        torch.cuda.synchronize()


def plain_loop(cfg: TrainConfig, seed: int, device: str) -> float:
    """Train ``cfg``'s networks and optimisers in a textbook loop, nothing logged; return wall seconds.

    The loop itself has none of ganlog's switches (gates, noise, penalties other than WGAN-GP's).
    """
    dev = pick_device(device)
    torch.manual_seed(seed)
    gen = torch.Generator(device=dev).manual_seed(seed)
    data = make_dataset(cfg.data, seed).to(dev)
    G, D = build_networks(cfg, dev)
    opt_g, opt_d = build_optimizers(cfg, G, D)
    B = cfg.batch_size
    _sync(dev)
    t0 = time.perf_counter()
    for _ in range(cfg.steps):
        fake = G(torch.randn(B, cfg.z_dim, generator=gen, device=dev))
        for k in range(cfg.d_steps):
            real = data.sample(B, gen)
            if k < cfg.d_steps - 1:
                with torch.no_grad():
                    fake_d = G(torch.randn(B, cfg.z_dim, generator=gen, device=dev))
            else:
                fake_d = fake.detach()
            loss_real, loss_fake = d_loss_parts(cfg, D(real), D(fake_d))
            loss_d = loss_real + loss_fake
            if cfg.loss == "wgan_gp":
                loss_d = loss_d + cfg.gp_lambda * gradient_penalty(D, real, fake_d, gen)
            opt_d.zero_grad(set_to_none=True)
            loss_d.backward()
            opt_d.step()
        loss = g_loss(cfg, D(fake))
        opt_g.zero_grad(set_to_none=True)
        loss.backward(inputs=list(G.parameters()))
        opt_g.step()
    _sync(dev)
    return time.perf_counter() - t0


def ganlog_loop(cfg: TrainConfig, seed: int, device: str, write: bool) -> tuple[float, float, int]:
    """(training seconds, writing seconds, records) for ganlog's loop."""
    res = train(cfg, seed=seed, device=device)
    if not write:
        return res.wall_s, 0.0, len(res.records)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        write_run(Path(tmp) / "run", res.records, {"scenario": "speed", "seed": seed,
                                                     "config": cfg.to_dict()})
        return res.wall_s, time.perf_counter() - t0, len(res.records)


def bench(name: str, steps: int | None, repeats: int, device: str) -> dict:
    cfg = SCENARIOS[name].config
    if steps is not None and steps != cfg.steps:
        cfg = scale_steps(cfg, steps)
    plain, bare, logged, written = [], [], [], []
    records = 0
    plain_loop(cfg.replace(steps=min(cfg.steps, 50)), 0, device)  # warm-up: allocator, kernels
    for r in range(repeats):
        plain.append(plain_loop(cfg, r, device))
        bare.append(ganlog_loop(cfg.replace(log_every=0), r, device, write=False)[0])
        t_train, t_write, records = ganlog_loop(cfg, r, device, write=True)
        logged.append(t_train)
        written.append(t_write)
    med = statistics.median
    total = med([t + w for t, w in zip(logged, written)])
    return {
        "scenario": name, "steps": cfg.steps, "log_every": cfg.log_every, "records": records,
        "device": str(pick_device(device)),
        "plain_steps_per_s": cfg.steps / med(plain),
        "loop_no_logging_steps_per_s": cfg.steps / med(bare),
        "loop_logging_steps_per_s": cfg.steps / med(logged),
        "write_s": med(written),
        "overhead_logging": med(logged) / med(plain) - 1,
        "overhead_logging_and_writing": total / med(plain) - 1,
        "plain_s": plain, "loop_no_logging_s": bare, "loop_logging_s": logged, "write_s_all": written,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", action="append", help="scenario to time (repeatable); "
                    f"default: {', '.join(DEFAULT_SCENARIOS)}")
    ap.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    ap.add_argument("--steps", type=int, default=None, help="override the scenarios' steps")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's)")
    ap.add_argument("--json", default=None, help="write the measurements to this file")
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)

    rows = []
    print(f"{'scenario':<18} {'device':<6} {'steps':>6} {'plain/s':>9} {'bare/s':>9} {'logged/s':>9} "
          f"{'write s':>8} {'overhead':>9} {'+write':>8}")
    for name in args.scenario or DEFAULT_SCENARIOS:
        row = bench(name, args.steps, args.repeats, args.device)
        rows.append(row)
        print(f"{name:<18} {row['device']:<6} {row['steps']:>6} {row['plain_steps_per_s']:>9.1f} "
              f"{row['loop_no_logging_steps_per_s']:>9.1f} {row['loop_logging_steps_per_s']:>9.1f} "
              f"{row['write_s']:>8.2f} {row['overhead_logging']:>9.1%} "
              f"{row['overhead_logging_and_writing']:>8.1%}", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps({"torch": torch.__version__, "rows": rows}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
