"""Exception hierarchy (style.md 1.8): every error names the field, the rule and the value.

Commands report these errors the same way: one line ``livschancer: error: <Class>: <message>``
on stderr, no traceback, exit status 2 (:data:`EXIT_USAGE`). :func:`exit_on_error` does that for
any command; a subcommand's ``main(argv)`` uses it as a decorator or a ``with`` block::

    from livschancer.errors import ConfigError, exit_on_error

    @exit_on_error()
    def main(argv: list[str]) -> int:
        if not argv:
            raise ConfigError("score.run_dir", "must be given", None)
        ...
        return 0
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

#: Exit status of a run refused because of its configuration or arguments (as argparse does).
EXIT_USAGE = 2


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

    def __reduce__(self):  # crosses process boundaries (sweep workers, SLURM) as itself
        return (type(self), (self.field, self.rule, self.value))


class ParameterError(ConfigError):
    """A parameter file (shipped or user-supplied) breaks a rule; ``field`` starts with the file."""


class NotFittedError(LivschancerError, AttributeError):
    """An estimator's fitted attribute was read before ``fit``."""


def error_line(err: BaseException, prog: str = "livschancer") -> str:
    """The one-line report of ``err``: ``"<prog>: error: <Class>: <message>"``.

    Newlines in the message (a value that spans lines) are folded so that it stays one line.
    """
    message = " ".join(str(err).split())
    return f"{prog}: error: {type(err).__name__}: {message}"


@contextmanager
def exit_on_error(prog: str = "livschancer") -> Iterator[None]:
    """Turn a :class:`LivschancerError` into one line on stderr and ``SystemExit(2)``.

    Usable as ``with exit_on_error(): ...`` or as a decorator ``@exit_on_error()``. Other
    exceptions pass through unchanged (a bug should show its traceback).
    """
    try:
        yield
    except LivschancerError as err:
        print(error_line(err, prog), file=sys.stderr, flush=True)
        raise SystemExit(EXIT_USAGE) from None


class TallyError(LivschancerError, ValueError):
    """A tallies Dataset (or run file) does not match ``tallies/spec.py``: a missing tally, a
    wrong dim, dtype or coordinate. The message names the tally, the rule and what was found."""


class TargetsError(LivschancerError, ValueError):
    """A targets file breaks a rule; the message names the file, the row and the rule."""
