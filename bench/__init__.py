"""Benchmarks of the site build, the log's core and the consent service, outside the test run.

Each script runs from the project root as ``python -m bench.<name>`` (``--help`` lists its
options) and reports ratios against a baseline measured in the same run, since a shared
machine's load moves absolute figures. Like ``testbed``, whose fixture sites, gunicorn and
throwaway PostgreSQL it uses, the package is not installed with the product. What several
scripts share has a module of its own: ``service`` (the consent service as benchmarked),
``load`` (wrk), ``cpu`` (the CPU time a run cost), ``databases`` (SQLite, then PostgreSQL),
``profiling`` (where an append's time goes) and ``integration`` (how long a record waits for a
signed checkpoint).
"""
