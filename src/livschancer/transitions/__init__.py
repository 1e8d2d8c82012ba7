"""Transition probabilities: the labelled parameter set that drives a simulation, where it comes
from (the provisional hand-built default now; register estimation and calibration later)."""
