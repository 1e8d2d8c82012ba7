"""The free parameters of the calibration: shifts of groups of knobs of ``provisional.yaml``.

A free parameter ``theta`` moves every knob it names by the same amount on the knob's natural
scale (``transitions.provisional.build_parameters``: the log-odds of a probability, the log of an
odds ratio or a positive number; a share of a split moves its log-odds and the other shares of
the split are rescaled; a path ``knob@period`` shifts that period only). ``theta = 0`` is the
hand-built provisional set, so every fitted value reads as "the provisional knob, moved by this
much", and each knob keeps its source.

Each parameter says which published indicators should identify it (``identified_by``); before
fitting, :func:`livschancer.calibration.fit.fit` counts the computable targets of those
indicators whose simulated value actually moves with it (from the Jacobian at the start). A
parameter that moves none stays at its start value and is reported as fixed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class FreeParameter:
    """One calibration parameter: a shift of the knobs ``paths`` (see the module docstring)."""

    name: str
    paths: tuple[str, ...]
    meaning: str
    identified_by: tuple[str, ...]
    #: bounds of the shift (log-odds or log units)
    bounds: tuple[float, float] = (-2.5, 2.5)


def _p(name: str, paths: str | Sequence[str], meaning: str, *indicators: str) -> FreeParameter:
    paths = (paths,) if isinstance(paths, str) else tuple(paths)
    return FreeParameter(name, paths, meaning, tuple(indicators))


LC = "lifecourse"

#: The free parameters, grouped by the process they move.
FREE: tuple[FreeParameter, ...] = (
    # exit exam (afgangseksamen at 16) by area and parental origin
    _p("exam_supported_rg", f"{LC}.exam.pass_supported_restgruppe",
       "log-odds of passing the exit exam, supported areas, parent in restgruppe",
       "afgangseksamen_rate"),
    _p("exam_supported_not_rg", f"{LC}.exam.pass_supported_not_restgruppe",
       "log-odds of passing the exit exam, supported areas, no parent in restgruppe",
       "afgangseksamen_rate"),
    _p("exam_population_rg", f"{LC}.exam.pass_population_restgruppe",
       "log-odds of passing the exit exam, population, parent in restgruppe",
       "afgangseksamen_rate"),
    _p("exam_population_not_rg", f"{LC}.exam.pass_population_not_restgruppe",
       "log-odds of passing the exit exam, population, no parent in restgruppe",
       "afgangseksamen_rate"),
    # entries after grundskole and after a youth education
    _p("youth_entry_after_exam", f"{LC}.after_exam.youth_edu",
       "log-odds of entering a gymnasial youth education after the exam",
       "next_after_grundskole_youth_edu", "youth_edu_enrolled_share",
       "youth_edu_enrolled_or_completed_share"),
    _p("vocational_entry_after_exam", f"{LC}.after_exam.vocational",
       "log-odds of entering a vocational education after the exam",
       "vocational_enrolled_share", "next_after_grundskole_education"),
    _p("youth_entry_supported_or", f"{LC}.odds_ratios.youth_edu_entry.supported",
       "log odds ratio of youth-education entry in supported areas",
       "youth_edu_enrolled_share", "youth_edu_enrolled_or_completed_share"),
    _p("higher_entry", f"{LC}.youth_edu.after_completion.higher_edu",
       "log-odds of entering higher education after a youth education",
       "higher_enrolled_share", "next_after_youth_edu_education"),
    _p("higher_entry_supported_or", f"{LC}.odds_ratios.higher_edu_entry.supported",
       "log odds ratio of higher-education entry in supported areas",
       "higher_enrolled_share", "higher_completed_share"),
    # completion and dropout hazards (all ages of the schedule)
    _p("youth_completion", f"{LC}.youth_edu.completion",
       "log-odds of the yearly completion hazard of youth education",
       "youth_edu_completion_within_3y", "youth_edu_completed_share"),
    _p("youth_dropout", f"{LC}.youth_edu.dropout",
       "log-odds of the yearly dropout hazard of youth education",
       "youth_edu_dropout_share", "next_after_youth_dropout_neet"),
    _p("vocational_completion", f"{LC}.vocational.completion",
       "log-odds of the yearly completion hazard of vocational education",
       "vocational_completion_within_5y", "vocational_completed_share"),
    _p("vocational_dropout", f"{LC}.vocational.dropout",
       "log-odds of the yearly dropout hazard of vocational education",
       "vocational_completed_share", "vocational_enrolled_share"),
    _p("higher_completion", f"{LC}.higher_edu.completion",
       "log-odds of the yearly completion hazard of higher education",
       "higher_completion_within_7y", "higher_completed_share"),
    # what follows a completed education
    _p("after_youth_employed", f"{LC}.youth_edu.after_completion.employed",
       "log-odds of employment after a completed youth education",
       "next_after_youth_edu_employment"),
    _p("after_vocational_employed", f"{LC}.vocational.after_completion.employed",
       "log-odds of employment after a completed vocational education",
       "next_after_vocational_employment", "next_after_vocational_neet"),
    _p("after_higher_employed", f"{LC}.higher_edu.after_completion.employed",
       "log-odds of employment after a completed higher education",
       "next_after_higher_employment", "next_after_higher_neet"),
    # NEET and the restgruppe
    _p("neet_entry_low", (f"{LC}.adult.neet_entry.none", f"{LC}.adult.neet_entry.grundskole"),
       "log-odds of the yearly NEET entry hazard with at most grundskole",
       "neet_share", "employed_share"),
    _p("neet_entry_qualified",
       (f"{LC}.adult.neet_entry.youth_edu", f"{LC}.adult.neet_entry.vocational",
        f"{LC}.adult.neet_entry.higher_edu"),
       "log-odds of the yearly NEET entry hazard with a completed education",
       "neet_share", "employed_share"),
    _p("neet_exit", tuple(f"{LC}.adult.neet_exit.{a}" for a in
                          ("none", "grundskole", "youth_edu", "vocational", "higher_edu")),
       "log-odds of the yearly NEET exit hazard", "neet_share"),
    _p("neet_entry_supported_or", f"{LC}.odds_ratios.neet_entry.supported",
       "log odds ratio of NEET entry in supported areas", "neet_share"),
    _p("neet_entry_restgruppe_or", f"{LC}.odds_ratios.neet_entry.restgruppe",
       "log odds ratio of NEET entry with a parent in the restgruppe", "neet_share"),
    _p("education_return", f"{LC}.adult.education_return",
       "log-odds of the yearly return to education from work or NEET",
       "in_education_share", "neet_share"),
    # students counted as employed (socio13)
    _p("working_student", "job.working_student.share",
       "log-odds of a student holding a job that makes socio13 count them employed",
       "employed_share", "in_education_share"),
    # family risk flags
    _p("parent_rg_supported", ("parent.target_share.supported_non_menapt",
                               "parent.target_share.supported_menapt"),
       "log-odds of a parent in the restgruppe, supported areas", "parent_restgruppe_share"),
    _p("parent_rg_elsewhere", ("parent.target_share.rest_non_menapt",
                               "parent.target_share.other_public_non_menapt"),
       "log-odds of a parent in the restgruppe outside supported areas",
       "parent_restgruppe_share"),
    _p("poverty_supported", ("poverty.share.supported_non_menapt",
                             "poverty.share.supported_menapt"),
       "log-odds of the yearly poverty share, supported areas", "poverty_share",
       "poverty_ever_share"),
    _p("poverty_persistence", "poverty.persistence",
       "log-odds of staying poor from one year to the next", "poverty_ever_share"),
    _p("psych_supported", "parent_psych.share_at_6.supported",
       "log-odds of a parent ever treated by age 6, supported areas",
       "parent_psychiatric_share"),
    _p("psych_population", "parent_psych.share_at_6.population",
       "log-odds of a parent ever treated by age 6, population", "parent_psychiatric_share"),
    _p("charge_supported", "crime.charge_rate.supported",
       "log-odds of the yearly charge rate, supported areas", "sigtelse_rate"),
    _p("charge_elsewhere", ("crime.charge_rate.rest", "crime.charge_rate.other_public"),
       "log-odds of the yearly charge rate outside supported areas", "sigtelse_rate"),
    _p("fritidsjob_supported", ("job.fritidsjob.level.supported_f",
                                "job.fritidsjob.level.supported_m"),
       "log-odds of a fritidsjob, supported areas", "fritidsjob_share"),
    _p("fritidsjob_population", ("job.fritidsjob.level.population_f",
                                 "job.fritidsjob.level.population_m"),
       "log-odds of a fritidsjob, population", "fritidsjob_share"),
    # period-specific shifts (``knob@period``, on top of the shifts above) where the printed
    # series change more between periods than the hand-built knobs do
    _p("exam_pre2008", tuple(f"{LC}.exam.pass_{a}_{o}@pre2008" for a in ("supported", "population")
                             for o in ("restgruppe", "not_restgruppe")),
       "log-odds of passing the exit exam before 2008 (all areas and origins)",
       "afgangseksamen_rate"),
    _p("working_student_pre2008", "job.working_student.share@pre2008",
       "log-odds of a student counted as employed, before 2008", "employed_share",
       "in_education_share"),
    _p("working_student_crisis", "job.working_student.share@crisis",
       "log-odds of a student counted as employed, 2008-2013", "employed_share",
       "in_education_share"),
    _p("youth_completion_reform", f"{LC}.youth_edu.completion@reform",
       "log-odds of the youth-education completion hazard, 2014-2019",
       "youth_edu_completion_within_3y", "youth_edu_completed_share"),
    _p("vocational_completion_crisis", f"{LC}.vocational.completion@crisis",
       "log-odds of the vocational completion hazard, 2008-2013",
       "vocational_completion_within_5y", "vocational_completed_share"),
    _p("after_higher_employed_pre2008", f"{LC}.higher_edu.after_completion.employed@pre2008",
       "log-odds of employment after higher education, before 2008",
       "next_after_higher_employment"),
    _p("after_vocational_employed_crisis",
       f"{LC}.vocational.after_completion.employed@crisis",
       "log-odds of employment after vocational education, 2008-2013",
       "next_after_vocational_employment"),
    _p("higher_entry_reform", f"{LC}.youth_edu.after_completion.higher_edu@reform",
       "log-odds of entering higher education after a youth education, 2014-2019",
       "higher_enrolled_share", "next_after_youth_edu_education"),
    _p("neet_entry_low_pre2008", (f"{LC}.adult.neet_entry.none@pre2008",
                                  f"{LC}.adult.neet_entry.grundskole@pre2008"),
       "log-odds of NEET entry with at most grundskole, before 2008", "neet_share"),
)  # fmt: skip


def by_name(names: Sequence[str] | None = None) -> tuple[FreeParameter, ...]:
    """The free parameters named (all of :data:`FREE` for None), in :data:`FREE` order."""
    if names is None:
        return FREE
    known = {p.name: p for p in FREE}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise KeyError(f"unknown free parameters {unknown}; known: {sorted(known)}")
    return tuple(p for p in FREE if p.name in set(names))


def shifts_of(theta: np.ndarray | Sequence[float], free: Sequence[FreeParameter]) -> dict:
    """The knob shifts ``{path: shift}`` of parameter values ``theta`` (one per ``free``)."""
    out: dict[str, float] = {}
    for value, p in zip(np.asarray(theta, dtype=float), free, strict=True):
        for path in p.paths:
            out[path] = out.get(path, 0.0) + float(value)
    return {k: v for k, v in out.items() if v != 0.0}


def theta_of(shifts: Mapping[str, float], free: Sequence[FreeParameter]) -> np.ndarray:
    """The parameter values of stored shifts (inverse of :func:`shifts_of`)."""
    return np.array([float(shifts.get(p.paths[0], 0.0)) for p in free])
