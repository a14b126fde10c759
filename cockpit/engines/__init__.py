"""Where a window's profile is computed: in process (``pandas``), in DuckDB (``duckdb``), in a
SQL source's own database (``sql``) or on a Spark cluster (``spark``).

:mod:`cockpit.engines.choose` picks one for a service and a window; each engine turns the
terms of :mod:`monitors.query` into its own language and returns only the aggregates.
"""
