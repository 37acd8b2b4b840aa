"""Fleets of runs: ``ganlog sweep`` and ``ganlog query``.

``discover`` finds every run under a root (a folder or an fsspec URL) with the
notion of a run that ``ganlog check DIR`` uses; ``worker`` analyzes one run
folder and returns plain rows; ``engines`` maps that one function over a process
pool or a Dask cluster; ``tables`` writes the rows as Parquet; ``report`` renders
the fleet report. Nothing here is imported by ``ganlog check`` or the core API,
and dask / duckdb / fsspec are imported only where they are needed.
"""
