"""Map the per-run function over run folders: a process pool (default) or a Dask cluster.

Both engines call the same function, ``fn(root, unit, settings) -> dict`` (normally
:func:`ganlog.fleet.worker.analyze_unit`, which turns every read or analysis error into
a row itself). What an engine must handle is a worker that dies (killed for memory, a
segfault in a native library): the run it held is retried once, in a fresh worker, and
if it kills that one too it becomes an error row that says so. Nothing is dropped.

* ``ProcessPoolExecutor`` (the standard library): a dead worker breaks the whole pool, so
  the unfinished runs go to a fresh pool; those that break a second pool are run one per
  process, which names the culprit exactly.
* ``dask.distributed``: ``--dask tcp://host:8786`` joins a running scheduler; ``--dask
  local:N`` starts a LocalCluster of N single-thread worker processes; ``--dask
  threads:N`` one in-process worker with N threads (fsspec's ``memory://`` lives in one
  process). The scheduler retries a task whose worker died (``allowed-failures=1`` on
  clusters started here; a remote scheduler uses its own setting) and then reports
  ``KilledWorker``; such runs are retried once more, one at a time, so a run that only
  shared a worker with the culprit finishes, and the culprit becomes the error row.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import Counter
from typing import Any, Callable, Iterable

from .discover import Root, Unit
from .worker import Settings, error_row

Fn = Callable[[Root, Unit, Settings], dict]
OnResult = Callable[[dict], None]


def died_result(root: Root, unit: Unit, message: str) -> dict[str, Any]:
    return {"unit": unit.rel, "fingerprint": unit.fingerprint, "findings": [], "notes": [], "seconds": 0.0,
            "runs": [error_row(root, unit, message, kind="WorkerDied")]}


def _warm_imports() -> None:
    """Import the analysis stack once in the parent so forked workers start with it."""
    import ganlog.analysis  # noqa: F401
    import ganlog.cli.check  # noqa: F401
    import ganlog.judge  # noqa: F401
    import ganlog.readers  # noqa: F401

    try:
        from ganlog.readers import readers

        readers()
    except Exception:  # noqa: BLE001 -- a reader's import problem shows up in its runs' rows
        pass


_PRELOAD = ["ganlog.analysis", "ganlog.cli.check", "ganlog.judge", "ganlog.readers", "ganlog.fleet.worker"]


def _context(root: Root) -> Any:
    """fork when this process has one thread (workers start with the analysis stack imported);
    forkserver with the stack preloaded when threads run (after a Dask client or an object-store
    client, say), since forking a threaded process can crash the child. fsspec's memory://
    exists only in this process, so it always forks."""
    import threading

    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and (threading.active_count() == 1 or root.protocol == "memory"):
        _warm_imports()
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(_PRELOAD)
        return ctx
    return multiprocessing.get_context()


def run_pool(fn: Fn, root: Root, units: list[Unit], settings: Settings, *, workers: int | None,
             on_result: OnResult) -> None:
    """The standard library's process pool, with one retry for runs whose worker died."""
    import concurrent.futures as cf
    from concurrent.futures.process import BrokenProcessPool

    workers = max(1, workers or os.cpu_count() or 1)
    ctx = _context(root)
    attempts: Counter[str] = Counter()
    pending = list(units)
    while pending:
        broken: list[Unit] = []
        with cf.ProcessPoolExecutor(max_workers=min(workers, len(pending)), mp_context=ctx) as ex:
            futures = {ex.submit(fn, root, u, settings): u for u in pending}
            for fut in cf.as_completed(futures):
                u = futures[fut]
                try:
                    res = fut.result()
                except BrokenProcessPool:
                    broken.append(u)
                    continue
                except Exception as exc:  # noqa: BLE001 -- fn raised (or its result did not pickle)
                    res = died_result(root, u, f"worker error: {type(exc).__name__}: {exc}")
                on_result(res)
        for u in broken:
            attempts[u.rel] += 1
        pending = [u for u in broken if attempts[u.rel] < 2]
        for u in (u for u in broken if attempts[u.rel] >= 2):
            on_result(_isolated(fn, root, u, settings, ctx))


def _isolated(fn: Fn, root: Root, unit: Unit, settings: Settings, ctx: Any) -> dict[str, Any]:
    """Run one unit alone in a fresh process: it either finishes or is the one that kills workers."""
    import concurrent.futures as cf
    from concurrent.futures.process import BrokenProcessPool

    with cf.ProcessPoolExecutor(max_workers=1, mp_context=ctx) as ex:
        try:
            return ex.submit(fn, root, unit, settings).result()
        except BrokenProcessPool:
            return died_result(root, unit, "the worker process died while analyzing this run, twice "
                                           "(killed for memory or a crash in native code); retried once")
        except Exception as exc:  # noqa: BLE001
            return died_result(root, unit, f"worker error: {type(exc).__name__}: {exc}")


def parse_dask_address(address: str) -> tuple[str, int | None]:
    """``local:N`` -> ("local", N); ``threads:N`` -> ("threads", N); anything else is a scheduler."""
    for kind in ("local", "threads"):
        if address == kind or address.startswith(kind + ":"):
            n = address.split(":", 1)[1] if ":" in address else ""
            if n and not n.isdigit():
                from ..errors import UsageError

                raise UsageError(f"--dask {address}: expected {kind}:N with N a number of workers")
            return kind, int(n) if n else None
    return "scheduler", None


def run_dask(fn: Fn, root: Root, units: list[Unit], settings: Settings, *, address: str,
             on_result: OnResult) -> None:
    """``dask.distributed``: the same function, scheduled by a Dask cluster."""
    try:
        import dask
        from distributed import Client, LocalCluster, as_completed
    except ImportError:
        from ..errors import UsageError

        raise UsageError("--dask needs dask.distributed: pip install 'ganlog[fleet]'") from None

    kind, n = parse_dask_address(address)
    with dask.config.set({"distributed.scheduler.allowed-failures": 1,
                          "distributed.worker.daemon": False}):
        cluster = None
        if kind == "local":
            cluster = LocalCluster(n_workers=n or os.cpu_count() or 1, threads_per_worker=1, processes=True,
                                   dashboard_address=None)
        elif kind == "threads":
            cluster = LocalCluster(n_workers=1, threads_per_worker=n or os.cpu_count() or 1, processes=False,
                                   dashboard_address=None)
        try:
            with Client(cluster if cluster is not None else address) as client:
                futures = client.map(fn, [root] * len(units), units, [settings] * len(units), pure=False)
                by_key = {f.key: u for f, u in zip(futures, units)}
                killed: list[tuple[Unit, BaseException]] = []
                for fut in as_completed(futures):
                    u = by_key[fut.key]
                    if fut.status == "finished":
                        on_result(fut.result())
                    else:
                        # a future lost with its worker ("cancelled"/"lost") carries no exception
                        exc = fut.exception() if fut.status == "error" else None
                        if exc is None or type(exc).__name__ == "KilledWorker":
                            killed.append((u, exc or RuntimeError(f"future {fut.status}")))
                        else:
                            on_result(died_result(root, u, f"worker error: {type(exc).__name__}: {exc}"))
                    fut.release()
                # A dying worker takes the runs it held with it, so a run can be marked killed
                # only for sharing a worker with the culprit. Retry each such run alone: the
                # innocent ones finish, the culprit dies once more and is named.
                for u, exc in killed:
                    fut = client.submit(fn, root, u, settings, pure=False)
                    try:
                        on_result(fut.result())
                    except Exception as again:  # noqa: BLE001
                        if type(again).__name__ == "KilledWorker":
                            msg = ("the Dask worker died while analyzing this run, and again on the retry "
                                   f"alone ({exc})")
                        else:
                            msg = f"worker error: {type(again).__name__}: {again}"
                        on_result(died_result(root, u, msg))
                    finally:
                        fut.release()
        finally:
            if cluster is not None:
                cluster.close()


def run_units(fn: Fn, root: Root, units: Iterable[Unit], settings: Settings, *, workers: int | None = None,
              dask: str | None = None, on_result: OnResult) -> None:
    units = list(units)
    if not units:
        return
    if dask:
        run_dask(fn, root, units, settings, address=dask, on_result=on_result)
    elif workers == 0:
        for u in units:  # in-process, for debugging: a run that kills the process kills the sweep
            on_result(fn(root, u, settings))
    else:
        run_pool(fn, root, units, settings, workers=workers, on_result=on_result)
