"""Scenario sweeps: many variants of one config run as Dask tasks, stored in a DuckDB run store,
and summarised in a sweep report (``siting sweep SWEEP.yaml``).

- :mod:`optimizer.sweep.spec`: the sweep file (axes, designs, distributions), validated with located errors;
- :mod:`optimizer.sweep.design`: its scenarios (grids, one-at-a-time, SALib samples);
- :mod:`optimizer.sweep.execute`: preparing, hashing and running them on a LocalCluster or a Dask cluster;
- :mod:`optimizer.sweep.task`: what a worker does with one scenario;
- :mod:`optimizer.sweep.store`: the run store, read from Python (:class:`RunStore`) and ``siting runs``;
- :mod:`optimizer.sweep.report`: the sweep report (tornado, site choice, what binds, plans).

None of them is imported by a plain ``siting run``: Dask, DuckDB and SALib load only for sweeps.
"""
