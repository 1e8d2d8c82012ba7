"""Tallies: the integer count tensors a simulation writes and a register panel is counted into.

``spec.py`` says what each tally holds, ``records.py`` the person-year records both the kernel
and a panel produce, ``count.py`` counts records into tallies (numba, with NumPy twins in
``tests/tallies/``).
"""
