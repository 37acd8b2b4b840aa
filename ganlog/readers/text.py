"""Stdout training logs: split the text into records and parse them with a known format.

The reader works on RECORDS, not lines. A known format's pattern is searched
over the whole cleaned text, so records glued together by a paste that lost
its newlines, several records per line, ``\\r``-rewritten progress lines and
logging prefixes are all normal input. What lies between records is looked
at line by line: context lines (an ``Epoch 3/50`` header, a resumed launch's
``Training Loss`` banner) are used, anything else is counted and skipped,
never fatal. Logs in no known format go to the generic ``name: value``
fallback (:mod:`ganlog.readers.generic`), JSON objects to the JSON-lines path.

Large logs in a fixed format take the vectorized path
(:mod:`ganlog.readers.fastpath`) when pyarrow is installed; its first records
are checked against this module's regex parse, and any disagreement falls
back here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import InputError
from ..frame import ParseStats, build_run
from .base import Reader, ReadOptions, Sniff, Source
from .formats import GENERIC_NAME, JSONL_NAME, format_names, get_format
from .records import check_not_binary, clean
from .textparse import (
    Detection, check_truncated, detect, format_meta, estimate_iters_per_epoch, first_skip, nan_columns, parse_generic, parse_jsonl,
    parse_known, printed_nan_counts, records_to_frame,
)

if TYPE_CHECKING:
    from ..frame import Run

#: Inputs above this size are parsed by the vectorized path when one applies.
FAST_PATH_MIN_BYTES = 4 * 1024 * 1024


class TextReader(Reader):
    name = "text"
    description = "stdout training logs: known print formats, JSON lines, and a generic name: value fallback"

    def knows_format(self, name: str) -> bool:
        return name in format_names()

    # -- sniff -------------------------------------------------------------
    def sniff(self, source: Source) -> Sniff:
        if source.is_dir:
            return Sniff.no("a directory, not a text log")
        head = source.head()
        if not head.strip():
            return Sniff(0.05, "empty input")
        if b"\x00" in head[:8192]:
            return Sniff.no("binary data (NUL bytes)")
        # Cut at the last newline so a record split by the 64 KiB boundary is not half-read.
        cut = head.rfind(b"\n")
        if cut > 0 and len(head) >= 64 * 1024:
            head = head[: cut + 1]
        text = clean(head).text
        det = detect(text)
        if det.fmt is not None:
            return Sniff(0.9, f"text log, format {det.name}: {det.reason}", det)
        if det.name == JSONL_NAME:
            return Sniff(0.5, f"text log, format jsonl: {det.reason}", det)
        if det.name == GENERIC_NAME:
            return Sniff(0.3, f"text log, format generic: {det.reason}", det)
        return Sniff(0.1, det.reason)

    # -- read --------------------------------------------------------------
    def read_sniffed(self, source: Source, options: ReadOptions, sniff: Sniff | None) -> "list[Run]":
        det = sniff.detail if sniff is not None and isinstance(sniff.detail, Detection) else None
        return self.read(source, options, detection=det)

    def read(self, source: Source, options: ReadOptions, detection: Detection | None = None) -> "list[Run]":
        """Read a text log; ``detection`` (what the sniff found in the head) saves detecting again."""
        if source.is_dir:
            raise InputError(source.name, "is a directory", expected="a text log file")
        size = source.size()
        head = source.head()
        if size == 0 or (size <= len(head) and not head.strip()):
            raise InputError(source.name, "the file is empty" if size == 0 else "the file holds only whitespace",
                             expected="a GAN training log")
        check_not_binary(source.name, head)
        forced = options.format if options.format and options.format != self.name else None
        if forced and not self.knows_format(forced):
            from ..errors import UsageError

            raise UsageError(f"unknown text format {forced!r}; `ganlog formats` lists them")

        stats = ParseStats()
        if size >= FAST_PATH_MIN_BYTES:
            fast = self._try_fast(source, forced, options, detection)
            if fast is not None:
                return [fast]
        data = source.read_bytes()
        if not data.strip():
            raise InputError(source.name, "the file holds only whitespace", expected="a GAN training log")
        cleaned = clean(data)
        text = cleaned.text
        del data
        stats.lines_read = text.count("\n") + (0 if text.endswith("\n") else 1)
        if cleaned.replaced_bytes:
            stats.warn(f"{cleaned.replaced_bytes} byte(s) were not UTF-8 (first at byte "
                       f"{cleaned.first_bad_byte}); decoded as U+FFFD")
        if forced:
            name = forced
            fmt = get_format(forced)
            reason = "forced with --format"
        else:
            det = detection if detection is not None and detection.name else detect(text[: 256 * 1024])
            name, fmt, reason = det.name, det.fmt, det.reason
        extra_meta: dict[str, Any] = {}
        if fmt is not None:
            records, epoch_base = parse_known(text, fmt, stats), fmt.epoch_base
            if fmt.estimate_iters_per_epoch:
                estimate_iters_per_epoch(records, fmt.printed.get("iter", "iter"))
        elif name == JSONL_NAME:
            records, epoch_base = parse_jsonl(text, stats), None
        else:
            name = GENERIC_NAME
            records, epoch_base = parse_generic(text, stats, extra_meta), None
        if not records:
            raise InputError(
                source.name, f"no training records in {stats.lines_read:,} line(s)",
                where=first_skip(stats),
                expected="lines in a known print format (see `ganlog formats`), JSON objects, "
                         "or 'name: value' pairs",
            )
        check_truncated(text, fmt, name, stats)
        frame = records_to_frame(records)
        meta = {**format_meta(reason, fmt, text[: 256 * 1024]), **extra_meta}
        nan_cols = nan_columns(frame, records)
        if nan_cols:
            meta["nan_columns"] = nan_cols
        # columns printed as nan in some records: the rest of their NaNs were not printed at all
        partial = [c for c in frame.columns if c not in nan_cols and frame[c].isna().any()]
        printed = printed_nan_counts(records, partial) if partial else {}
        if printed:
            meta["nan_printed"] = printed
        run = build_run(
            frame, name=options.run_name or source.stem, source=source.name, reader=self.name,
            format=name, stats=stats, loss_family=options.loss_family,
            extra_aliases=options.extra_aliases, epoch_base=epoch_base,
            meta=meta,
        )
        return [run]

    def _try_fast(self, source: Source, forced: str | None, options: ReadOptions,
                  detection: Detection | None) -> "Run | None":
        """The vectorized path (pyarrow), or None when it does not apply."""
        try:
            from . import fastpath
        except ImportError:  # pragma: no cover - pyarrow missing: the regex path reads it
            return None
        return fastpath.read_fast(self.name, source, forced, ParseStats(), options, detection)


__all__ = ["TextReader", "Detection", "detect", "parse_known", "parse_jsonl", "parse_generic",
           "records_to_frame"]
