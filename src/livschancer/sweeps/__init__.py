"""Sweeps: many runs of the app as one Hydra multirun, merged afterwards into one Dataset.

- :mod:`~livschancer.sweeps.keyspace`: which keys a sweep varies, the jobs it asked for, and
  where each job's directory is.
- :mod:`~livschancer.sweeps.status`: a Hydra callback that records each job's status and error.
- :mod:`~livschancer.sweeps.resume`: is a job's result already there and complete?
- :mod:`~livschancer.sweeps.slurm`: what SLURM knows about jobs that left no result.
- :mod:`~livschancer.sweeps.merge`: the merged store (NetCDF or Zarr), written job by job.
- :mod:`~livschancer.sweeps.collect`: ``livschancer collect SWEEP_DIR``.
- :mod:`~livschancer.sweeps.design`: ``livschancer design SPEC SWEEP_DIR`` (SALib designs).
- :mod:`~livschancer.sweeps.sensitivity`: Morris and Sobol indices of a collected design sweep.

See ``docs/sweeps.md``.
"""
