"""The indicators as tables: a long CSV and an Excel workbook with labelled columns.

- :func:`indicator_table`: long format, one row per indicator, band, year and split, with
  value and MC standard error in readable units (% for shares, per 1,000 per year for rates),
  the persons behind the value, and a flag for few persons. It holds every year for the main
  splits (group x parental origin) and the ethnicity and sex splits for the report year.
- :func:`write_tables`: that table as CSV, and a workbook with the sheets *Headline* (report
  year, group x origin), *Trends* (years across), *Splits* (ethnicity x sex in the report
  year), *Gap*, *Definitions* and, given a score, *Fit*.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from livschancer.outputs.indicators import REGISTRY
from livschancer.outputs.labels import check_language, text

#: Fewer persons than this behind a value: flagged (report: marked with a dagger).
FEW_PERSONS = 50
#: Fewer persons than this: not shown in the report.
SUPPRESS_PERSONS = 5


def band_text(ages: tuple[int, int]) -> str:
    """``"15-17"``, or ``"21"`` for a single age."""
    lo, hi = int(ages[0]), int(ages[1])
    return str(lo) if lo == hi else f"{lo}-{hi}"


def indicator_label(name: str, language: str) -> str:
    ind = REGISTRY.get(name)
    if ind is None:
        return name
    return ind.label_da if language == "da" else ind.label_en


def indicator_table(
    ind: xr.Dataset, language: str = "en", year: int | None = None, all_years: bool = True
) -> pd.DataFrame:
    """Long table of the registry indicators (module docstring); rows without persons dropped.

    ``year`` is the report year of the ethnicity/sex splits (default: the Dataset's
    ``report_year`` attribute); ``all_years=False`` keeps only that year.
    """
    check_language(language)
    year = int(ind.attrs.get("report_year", ind["year"].values[-1])) if year is None else year
    v, se, den = ind["indicator_value"], ind["indicator_se"], ind["indicator_den"]
    main = {"ethnicity": "all", "sex_group": "all"}
    parts = [
        xr.Dataset({"value": v, "se": se, "persons": den}).sel(main).to_dataframe().reset_index()
    ]
    if not all_years:
        parts[0] = parts[0][parts[0]["year"] == year]
    if year in ind["year"].values:
        sp = xr.Dataset({"value": v, "se": se, "persons": den}).sel(year=year).to_dataframe()
        sp = sp.reset_index()
        sp = sp[(sp["ethnicity"] != "all") | (sp["sex_group"] != "all")]
        sp["year"] = year
        parts.append(sp)
    df = pd.concat(parts, ignore_index=True)
    df = df[df["persons"] > 0]
    kinds = df["indicator_kind"].to_numpy()
    factor = np.where(kinds == "rate", 1000.0, 100.0)
    out = pd.DataFrame(
        {
            text("col_indicator", language): [
                indicator_label(n, language) for n in df["indicator_name"]
            ],
            text("col_name", language): df["indicator_name"].to_numpy(),
            text("col_ages", language): [
                f"{a}-{b}" for a, b in zip(df["age_from"], df["age_to"], strict=True)
            ],
            text("col_year", language): df["year"].to_numpy(),
            text("col_group", language): [text(g, language) for g in df["group"]],
            text("col_origin", language): [text(o, language) for o in df["origin_group"]],
            text("col_ethnicity", language): [text(e, language) for e in df["ethnicity"]],
            text("col_sex", language): [text(s, language) for s in df["sex_group"]],
            text("col_value", language): np.round(df["value"].to_numpy() * factor, 2),
            text("col_se", language): np.round(df["se"].to_numpy() * factor, 3),
            text("col_unit", language): [
                text("unit_per_1000" if k == "rate" else "unit_pct", language) for k in kinds
            ],
            text("col_persons", language): df["persons"].to_numpy().round().astype(np.int64),
            text("col_few", language): (df["persons"] < FEW_PERSONS).to_numpy(),
        }
    )
    return out.reset_index(drop=True)


def headline_table(ind: xr.Dataset, language: str = "en", year: int | None = None) -> pd.DataFrame:
    """Report year, wide: rows indicator x band, columns group x origin, values in % (per 1,000
    for rates); NaN where no persons."""
    year = int(ind.attrs.get("report_year", ind["year"].values[-1])) if year is None else year
    x = ind["indicator_value"].sel(year=year, ethnicity="all", sex_group="all")
    den = ind["indicator_den"].sel(year=year, ethnicity="all", sex_group="all")
    factor = xr.where(ind["indicator_kind"] == "rate", 1000.0, 100.0)
    x = (x * factor).where(den > 0).round(2)
    df = x.to_dataframe(name="v")["v"].unstack(["group", "origin_group"])
    df = df.reindex(
        columns=pd.MultiIndex.from_product(
            [list(ind["group"].values), list(ind["origin_group"].values)]
        )
    )
    df.index = [
        f"{indicator_label(str(n), language)} ({band_text((a, b))})"
        for n, a, b in zip(
            ind["indicator_name"].values, ind["age_from"].values, ind["age_to"].values, strict=True
        )
    ]
    df.columns = [f"{text(g, language)} | {text(o, language)}" for g, o in df.columns]
    return df


def trends_table(ind: xr.Dataset, language: str = "en", years: int = 20) -> pd.DataFrame:
    """The last ``years`` years up to the report year across, rows indicator x group x origin."""
    year = int(ind.attrs.get("report_year", ind["year"].values[-1]))
    span = [y for y in ind["year"].values if year - years < y <= year]
    x = ind["indicator_value"].sel(year=span, ethnicity="all", sex_group="all")
    den = ind["indicator_den"].sel(year=span, ethnicity="all", sex_group="all")
    factor = xr.where(ind["indicator_kind"] == "rate", 1000.0, 100.0)
    x = (x * factor).where(den > 0).round(2)
    df = x.to_dataframe(name="v")["v"].unstack("year").reset_index()
    df.insert(
        0,
        text("col_indicator", language),
        [
            f"{indicator_label(str(n), language)} ({i.split('[')[-1].rstrip(']')})"
            for n, i in zip(
                df["indicator"].map(
                    dict(zip(ind["indicator"].values, ind["indicator_name"].values, strict=True))
                ),
                df["indicator"],
                strict=True,
            )
        ],
    )
    df[text("col_group", language)] = [text(g, language) for g in df.pop("group")]
    df[text("col_origin", language)] = [text(o, language) for o in df.pop("origin_group")]
    df = df.drop(columns=["indicator"])
    cols = [c for c in df.columns if not isinstance(c, int | np.integer)]
    return df[cols + [c for c in df.columns if c not in cols]]


def splits_table(ind: xr.Dataset, language: str = "en") -> pd.DataFrame:
    """Report year, wide: rows indicator x group (parental origin all), columns ethnicity x sex,
    values in % (per 1,000 for rates); NaN where no persons or no split."""
    year = int(ind.attrs.get("report_year", ind["year"].values[-1]))
    x = ind["indicator_value"].sel(year=year, origin_group="all")
    den = ind["indicator_den"].sel(year=year, origin_group="all")
    factor = xr.where(ind["indicator_kind"] == "rate", 1000.0, 100.0)
    x = (x * factor).where(den > 0).round(2)
    df = x.to_dataframe(name="v")["v"].unstack(["ethnicity", "sex_group"])
    df = df.reindex(
        columns=pd.MultiIndex.from_product(
            [list(ind["ethnicity"].values), list(ind["sex_group"].values)]
        )
    )
    names = dict(zip(ind["indicator"].values, ind["indicator_name"].values, strict=True))
    df.index = [
        f"{indicator_label(str(names[i]), language)} ({i.split('[')[-1].rstrip(']')}) | "
        f"{text(g, language)}"
        for i, g in df.index
    ]
    df.columns = [f"{text(e, language)} | {text(s, language)}" for e, s in df.columns]
    return df


def gap_table(ind: xr.Dataset, language: str = "en") -> pd.DataFrame:
    """Chanceulighed gap in the report year (pp; per 1,000 for rates), rows indicator, columns
    group."""
    year = int(ind.attrs.get("report_year", ind["year"].values[-1]))
    factor = xr.where(ind["indicator_kind"] == "rate", 1000.0, 100.0)
    g = (ind["gap_value"].sel(year=year, ethnicity="all", sex_group="all") * factor).round(2)
    df = g.to_dataframe(name="v")["v"].unstack("group")[list(ind["group"].values)]
    df = df.reindex(list(ind["indicator"].values))
    df.columns = [text(c, language) for c in df.columns]
    df.index.name = text("col_indicator", language)
    return df


def definitions_table(language: str = "en") -> pd.DataFrame:
    """Every registry indicator with its label and definition (the function's docstring)."""
    return pd.DataFrame(
        {
            text("col_name", language): list(REGISTRY),
            text("col_indicator", language): [indicator_label(n, language) for n in REGISTRY],
            text("col_definition", language): [ind.definition for ind in REGISTRY.values()],
        }
    )


def write_tables(
    ind: xr.Dataset,
    directory: str | Path,
    stem: str = "indicators",
    language: str = "en",
    score: pd.DataFrame | None = None,
) -> list[Path]:
    """Write ``<stem>.csv`` (the long table) and ``<stem>.xlsx`` (the sheets of the module
    docstring) into ``directory``; returns the paths."""
    check_language(language)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    long = indicator_table(ind, language)
    csv = directory / f"{stem}.csv"
    long.to_csv(csv, index=False)
    xlsx = directory / f"{stem}.xlsx"
    with pd.ExcelWriter(xlsx, engine="openpyxl") as xw:
        headline_table(ind, language).to_excel(xw, sheet_name="Headline")
        trends_table(ind, language).to_excel(xw, sheet_name="Trends", index=False)
        splits_table(ind, language).to_excel(xw, sheet_name="Splits")
        gap_table(ind, language).to_excel(xw, sheet_name="Gap")
        definitions_table(language).to_excel(xw, sheet_name="Definitions", index=False)
        if score is not None:
            score.to_excel(xw, sheet_name="Fit", index=False)
        for ws in xw.book.worksheets:
            ws.freeze_panes = "B2"
            for col in ws.columns:
                width = max(len(str(c.value)) if c.value is not None else 0 for c in col[:50])
                ws.column_dimensions[col[0].column_letter].width = min(max(10, width + 2), 60)
    return [csv, xlsx]


#: Rows of the console summary (the report's headline): (indicator, band).
SUMMARY: tuple[tuple[str, tuple[int, int]], ...] = (
    ("neet_share", (15, 17)),
    ("neet_share", (18, 20)),
    ("neet_share", (21, 25)),
    ("neet_share", (26, 29)),
    ("restgruppe_share", (18, 29)),
    ("restgruppe_share", (25, 25)),
    ("youth_edu_completed_share", (21, 21)),
    ("higher_completed_share", (29, 29)),
)


def summary_table(ind: xr.Dataset, language: str = "en", year: int | None = None) -> pd.DataFrame:
    """The short table a run prints: headline shares in % in the report year for supported
    areas, the grew-up-in cohort by origin, and the population; ``†`` marks few persons."""
    check_language(language)
    year = int(ind.attrs.get("report_year", ind["year"].values[-1])) if year is None else year
    have = set(map(str, ind["indicator"].values))
    cols = (
        ("supported", "all"),
        ("grew_up_in", "restgruppe"),
        ("grew_up_in", "not_restgruppe"),
        ("population", "all"),
    )
    rows = {}
    for name, ages in SUMMARY:
        key = f"{name}[{ages[0]}-{ages[1]}]"
        if key not in have:
            continue
        cells = []
        for g, o in cols:
            sel = {"indicator": key, "year": year, "group": g, "origin_group": o,
                   "ethnicity": "all", "sex_group": "all"}  # fmt: skip
            v, n = float(ind["indicator_value"].sel(sel)), float(ind["indicator_den"].sel(sel))
            if n < SUPPRESS_PERSONS or np.isnan(v):
                cells.append("·")
            else:
                cells.append(f"{100 * v:.1f}" + (" †" if n < FEW_PERSONS else ""))
        rows[f"{indicator_label(name, language)} ({band_text(ages)})"] = cells
    header = [
        text(g, language) if o == "all" else f"{text(g, language)}: {text(o, language)}"
        for g, o in cols
    ]
    return pd.DataFrame.from_dict(rows, orient="index", columns=header)
