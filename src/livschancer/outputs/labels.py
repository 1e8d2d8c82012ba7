"""Labels of the outputs in English and Danish: groups, splits, activities, table columns.

Indicator labels live with the indicators (``Indicator.label_en``/``label_da``); everything
else a table, plot or report shows a reader is here, so the two languages stay side by side.
"""

from __future__ import annotations

from livschancer.errors import ConfigError

LANGUAGES: tuple[str, ...] = ("en", "da")

_TEXT: dict[str, dict[str, str]] = {
    # groups and splits
    "supported": {"en": "Supported areas (residents)", "da": "Støttede områder (beboere)"},
    "grew_up_in": {"en": "Grew up in supported areas", "da": "Opvokset i støttede områder"},
    "public_housing": {"en": "Public housing", "da": "Den almene sektor"},
    "population": {"en": "Population", "da": "Befolkningen"},
    "restgruppe": {"en": "Parent in restgruppe", "da": "Forælder i restgruppen"},
    "not_restgruppe": {"en": "No parent in restgruppe", "da": "Ingen forælder i restgruppen"},
    "all": {"en": "All", "da": "Alle"},
    "menapt": {"en": "MENAPT", "da": "MENAPT"},
    "non_menapt": {"en": "Non-MENAPT", "da": "Ikke-MENAPT"},
    "m": {"en": "Boys/men", "da": "Drenge/mænd"},
    "f": {"en": "Girls/women", "da": "Piger/kvinder"},
    # activities
    "preschool": {"en": "Preschool", "da": "Før skolealderen"},
    "school": {"en": "Grundskole", "da": "Grundskole"},
    "other_edu": {"en": "Other education", "da": "Anden uddannelse"},
    "youth_edu": {"en": "Youth education (gymnasial)", "da": "Gymnasial uddannelse"},
    "vocational": {"en": "Vocational education", "da": "Erhvervsuddannelse"},
    "higher_edu": {"en": "Higher education", "da": "Videregående uddannelse"},
    "employed": {"en": "Employed", "da": "I beskæftigelse"},
    "neet": {"en": "NEET", "da": "NEET"},
    "education": {"en": "In education", "da": "I uddannelse"},
    # table columns
    "col_indicator": {"en": "Indicator", "da": "Indikator"},
    "col_name": {"en": "Indicator key", "da": "Indikatornøgle"},
    "col_ages": {"en": "Ages", "da": "Alder"},
    "col_year": {"en": "Year", "da": "År"},
    "col_group": {"en": "Group", "da": "Gruppe"},
    "col_origin": {"en": "Parental origin", "da": "Social baggrund"},
    "col_ethnicity": {"en": "Ethnicity", "da": "Etnisk baggrund"},
    "col_sex": {"en": "Sex", "da": "Køn"},
    "col_value": {"en": "Value", "da": "Værdi"},
    "col_se": {"en": "MC standard error", "da": "MC-standardfejl"},
    "col_unit": {"en": "Unit", "da": "Enhed"},
    "col_persons": {"en": "Persons behind", "da": "Antal personer bag"},
    "col_few": {"en": "Few persons", "da": "Få personer"},
    "col_gap": {"en": "Gap (pp)", "da": "Forskel (procentpoint)"},
    "col_definition": {"en": "Definition", "da": "Definition"},
    "unit_pct": {"en": "%", "da": "%"},
    "unit_per_1000": {"en": "per 1,000 per year", "da": "pr. 1.000 pr. år"},
    # report
    "title": {"en": "livschancer run report", "da": "livschancer kørselsrapport"},
    "run": {"en": "The run", "da": "Kørslen"},
    "headline": {"en": "Headline figures", "da": "Hovedtal"},
    "by_origin": {
        "en": "Chanceulighed: by parental restgruppe origin",
        "da": "Chanceulighed: efter forældres restgruppestatus",
    },
    "figures": {"en": "Figures", "da": "Figurer"},
    "fit": {"en": "Calibration fit", "da": "Kalibreringens træfsikkerhed"},
    "comparison": {"en": "Scenario comparison", "da": "Sammenligning af scenarier"},
    "assumptions": {"en": "Assumptions and definitions", "da": "Antagelser og definitioner"},
    "no_comparison": {
        "en": "No scenario comparison was made for this run.",
        "da": "Der er ikke lavet en sammenligning af scenarier for denne kørsel.",
    },
    "no_fit": {
        "en": "This run was not scored against published figures "
        "(livschancer score RUN.nc TARGETS.csv).",
        "da": "Kørslen er ikke sammenholdt med publicerede tal "
        "(livschancer score RUN.nc TARGETS.csv).",
    },
    "provisional": {
        "en": "PROVISIONAL PARAMETERS: hand-built from published figures, not calibrated. "
        "Read the figures as an illustration of the model, not as estimates.",
        "da": "FORELØBIGE PARAMETRE: sat i hånden ud fra publicerede tal, ikke kalibreret. "
        "Læs tallene som en illustration af modellen, ikke som estimater.",
    },
    "few_note": {
        "en": "† fewer than {few} simulated persons behind the figure: read it as rough. "
        "· no persons. Figures with fewer than {sup} persons are not shown.",
        "da": "† færre end {few} simulerede personer bag tallet: læs det som groft. "
        "· ingen personer. Tal med færre end {sup} personer vises ikke.",
    },
    "interval_note": {
        "en": "± is the 95% Monte Carlo interval (1.96 standard errors) from the counts behind "
        "each figure; it does not include parameter uncertainty.",
        "da": "± er 95 %-Monte Carlo-intervallet (1,96 standardfejl) ud fra antallene bag hvert "
        "tal; usikkerhed på parametrene er ikke medregnet.",
    },
    "fig_age": {
        "en": "Status by age in {year}: supported areas against the population, and by origin",
        "da": "Status efter alder i {year}: støttede områder mod befolkningen og efter baggrund",
    },
    "fig_trend": {"en": "Trends over the years", "da": "Udvikling over årene"},
    "fig_fit": {
        "en": "Simulated against published figures",
        "da": "Simulerede mod publicerede tal",
    },
    "no_years": {
        "en": "no simulated year covers every age {ages}",
        "da": "intet simuleret år dækker alle aldre {ages}",
    },
    "published": {"en": "Published", "da": "Publiceret"},
    "simulated": {"en": "Simulated", "da": "Simuleret"},
    "age": {"en": "Age", "da": "Alder"},
    "share": {"en": "Share", "da": "Andel"},
    "seed": {"en": "Seed", "da": "Seed"},
    "scenario": {"en": "Scenario", "da": "Scenarie"},
    "overrides": {"en": "Command-line overrides", "da": "Tilsidesættelser på kommandolinjen"},
    "version": {"en": "livschancer version", "da": "livschancer-version"},
    "created": {"en": "Created", "da": "Oprettet"},
    "parameters_file": {"en": "Parameter file", "da": "Parameterfil"},
    "parameters_sha256": {"en": "Parameter file SHA-256", "da": "Parameterfilens SHA-256"},
    "parameters_status": {"en": "Parameter status", "da": "Parametrenes status"},
    "report_year": {"en": "Report year", "da": "Rapportår"},
    "within": {"en": "within error", "da": "inden for usikkerheden"},
    "reason": {"en": "Why not computed", "da": "Hvorfor ikke beregnet"},
    "missing_parts": {"en": "Not computed (missing tallies)", "da": "Ikke beregnet (mangler)"},
}


def check_language(value: str) -> str:
    """The report language, checked: ``"en"`` or ``"da"``.

    Raises
    ------
    ConfigError
        ``report.language: must be one of ['en', 'da']; got <value>``.
    """
    if value not in LANGUAGES:
        raise ConfigError("report.language", f"must be one of {list(LANGUAGES)}", value)
    return value


def text(key: str, language: str) -> str:
    """The label ``key`` in ``language`` (the key itself if it has no label)."""
    entry = _TEXT.get(key)
    if entry is None:
        return key
    return entry[check_language(language)]
