"""The register person-year panel (model.md section 8): its format, reading and validation,
a synthetic register, and counting a panel into the tallies a simulation writes.

- :mod:`livschancer.panel.schema`: the columns, their types and codes (a pandera schema);
- :mod:`livschancer.panel.read`: chunked Parquet / CSV reading with validation;
- :mod:`livschancer.panel.synth`: ``livschancer synth``, a synthetic panel from a simulation;
- :mod:`livschancer.panel.count`: a panel counted into the tallies (``tallies/spec.py``).
"""
