"""Outputs: the run file, the indicators (functions of the tallies alone), the score against
published targets, tables, figures and the HTML report (docs/outputs.md).

- ``runfile``: assemble and check the run file (tallies + indicators + metadata); stocks.
- ``view``, ``groups``, ``ratio``: the shared reductions, comparison groups and MC errors.
- ``indicators``: the registry, one function per indicator of the targets' vocabulary.
- ``profiles``, ``standard``: status by age, cohorts, follow-ups, non-completers; the set a run
  file stores.
- ``targets``, ``score``: read and validate a targets file; ``livschancer score``.
- ``labels``, ``tables``, ``plots``, ``report``: what a reader sees, in English or Danish.
- ``io``: NetCDF read/write.
"""
