"""Calibration of the parameter set to the published figures (shared/targets/calibration.csv).

Not built yet: the shipped parameters are provisional and say so in every output file.
"""
