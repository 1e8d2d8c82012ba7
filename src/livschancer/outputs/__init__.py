"""Outputs: indicators computed from the transition-count tensor, and NetCDF files."""
