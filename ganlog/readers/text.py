"""Stdout training logs: split the text into records and parse each with a known format.

(First version: the PyTorch DCGAN format, the forum format and JSON lines.
The full format table and the generic fallback replace this module.)
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

from ..errors import InputError
from ..frame import ParseStats, build_run, flatten_record
from .base import Reader, ReadOptions, Sniff, Source

if TYPE_CHECKING:
    from ..frame import Run

_NUM = r"([-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|nan|NaN|inf|-inf|N/A))"

DCGAN = re.compile(
    r"\[(\d+)/(\d+)\]\s*\[(\d+)/(\d+)\]\s*Loss_D:\s*" + _NUM + r"\s*Loss_G:\s*" + _NUM
    + r"\s*D\(x\):\s*" + _NUM + r"\s*D\(G\(z\)\):\s*" + _NUM + r"\s*/\s*" + _NUM
)
FORUM = re.compile(
    r"Epoch\s+(\d+)/(\d+)\s*-\s*Step:\s*(\d+)/(\d+)\s*Loss G:\s*" + _NUM + r"\s*Loss D:\s*" + _NUM
    + r"\s*D\(x\):\s*" + _NUM + r"\s*D\(G\(z\)\):\s*" + _NUM + r"\s*/\s*" + _NUM
    + r"(?:\s*Time for the last step:\s*" + _NUM + r"\s*s)?"
)


class TextReader(Reader):
    name = "text"
    description = "stdout training logs (DCGAN, forum style, JSON lines)"

    def knows_format(self, name: str) -> bool:
        return name in {"dcgan", "forum", "jsonl"}

    def sniff(self, source: Source) -> Sniff:
        head = source.head()
        if not head:
            return Sniff(0.05, "empty input")
        if b"\x00" in head[:4096]:
            return Sniff.no("binary data (NUL bytes)")
        text = head.decode("utf-8", "replace")
        if DCGAN.search(text) or FORUM.search(text):
            return Sniff(0.9, "lines in a known print format")
        if text.lstrip().startswith("{"):
            return Sniff(0.6, "JSON objects")
        return Sniff(0.1, "text, no known format in the first 64 KiB")

    def read(self, source: Source, options: ReadOptions) -> "list[Run]":
        data = source.read_bytes()
        if not data.strip():
            raise InputError(source.name, "the file is empty", expected="a training log")
        if b"\x00" in data[:4096]:
            raise InputError(source.name, "binary data at byte %d" % data.index(b"\x00"), expected="a text log")
        text = data.decode("utf-8", "replace").replace("\r", "\n")
        stats = ParseStats(lines_read=text.count("\n") + (not text.endswith("\n")))
        records: list[dict[str, object]] = []
        fmt = ""
        for m in DCGAN.finditer(text):
            ep, n_ep, it, n_it, ld, lg, dx, z1, z2 = m.groups()
            records.append(dict(epoch=ep, iter=it, iters_per_epoch=n_it, loss_d=ld, loss_g=lg,
                                d_x=dx, d_g_z1=z1, d_g_z2=z2))
            fmt = "dcgan"
        epoch_base = 0
        if not records:
            for m in FORUM.finditer(text):
                ep, n_ep, it, n_it, lg, ld, dx, z1, z2, t = m.groups()
                records.append(dict(epoch=ep, iter=it, iters_per_epoch=n_it, loss_d=ld, loss_g=lg,
                                    d_x=dx, d_g_z1=z1, d_g_z2=z2, step_time=t))
                fmt = "forum"
            epoch_base = 1
        if not records:
            for i, line in enumerate(text.splitlines(), 1):
                line = line.strip()
                if line.startswith("{"):
                    try:
                        obj = json.loads(line)
                    except json.JSONDecodeError:
                        stats.skip(i, line, "not valid JSON")
                        continue
                    if isinstance(obj, dict):
                        records.append(flatten_record(obj))
                        fmt = "jsonl"
                elif line:
                    stats.skip(i, line)
            epoch_base = 0
        if not records:
            raise InputError(source.name, "no training records found", expected="a GAN training log")
        return [
            build_run(
                records, name=options.run_name or source.stem, source=source.name, reader=self.name,
                format=fmt, stats=stats, loss_family=options.loss_family,
                extra_aliases=options.extra_aliases, epoch_base=epoch_base,
            )
        ]
