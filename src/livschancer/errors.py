"""Exception hierarchy (style.md 1.8): every error names the field, the rule and the value."""

from __future__ import annotations


class LivschancerError(Exception):
    """Base class of all errors livschancer raises on purpose."""


class ConfigError(LivschancerError, ValueError):
    """A configuration value breaks a rule.

    The message has the form ``"<field>: <rule>; got <value>"`` so that analysts can fix the
    config without reading code.
    """

    def __init__(self, field: str, rule: str, value: object) -> None:
        self.field = field
        self.rule = rule
        self.value = value
        super().__init__(f"{field}: {rule}; got {value!r}")


class ParameterError(ConfigError):
    """A parameter file (shipped or user-supplied) breaks a rule; ``field`` starts with the file."""


class NotFittedError(LivschancerError, AttributeError):
    """An estimator's fitted attribute was read before ``fit``."""
