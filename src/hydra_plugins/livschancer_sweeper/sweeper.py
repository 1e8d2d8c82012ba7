"""Hydra's basic sweeper, with the check of each job's config made cheap.

Before it launches a batch, Hydra's :class:`BasicSweeper` composes the config of every job of
the batch in the submitting process (``validate_batch_is_legal``), so that a config mistake
stops the sweep before any job runs. A composition reads and merges some twenty YAML files
(0.37 s for livschancer's config), and the workers wait meanwhile: in a sweep of 100 small runs
on 2 cores that was 0.74 s of each run's overhead (BENCHMARKS.md, "Sweeps").

:class:`LivschancerSweeper` checks the same thing for less. The jobs of a batch differ only in
the values of the swept keys. When every swept key is a plain value override (``key=value``,
not a config group, not ``+``/``++``/``~``, not a ``hydra.`` key, and not nested in another
overridden key), it composes the first job once, like Hydra, and checks each other job by
applying its swept values to that config with Hydra's own override code
(``ConfigLoaderImpl._apply_overrides_to_config``), which raises exactly the errors (unknown
key, wrong type) a full composition would. Any other batch (a swept config group, say) is
checked job by job as Hydra does. The jobs themselves are composed by the launcher as before;
what runs is unchanged.

Enabled in ``livschancer/conf/config.yaml`` (``override hydra/sweeper: livschancer``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hydra._internal.config_loader_impl import ConfigLoaderImpl
from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.config_store import ConfigStore
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override, OverrideType


@dataclass
class LivschancerSweeperConf:
    _target_: str = "hydra_plugins.livschancer_sweeper.sweeper.LivschancerSweeper"
    max_batch_size: int | None = None
    params: dict[str, str] | None = None


ConfigStore.instance().store(
    group="hydra/sweeper", name="livschancer", node=LivschancerSweeperConf, provider="livschancer"
)


class LivschancerSweeper(BasicSweeper):
    """:class:`BasicSweeper` whose batch check composes one config per batch, not one per job,
    when the batch sweeps plain values only (see the module docstring)."""

    def validate_batch_is_legal(self, batch: Sequence[Sequence[str]]) -> None:
        assert self.hydra_context is not None
        assert self.config is not None
        loader = self.hydra_context.config_loader
        parser = OverridesParser.create(config_loader=loader)
        jobs = [parser.parse_overrides(list(job)) for job in batch]
        swept = swept_positions(jobs)
        if not jobs or swept is None or not all(_plain(loader, jobs[0][i]) for i in swept):
            super().validate_batch_is_legal(batch)
            return
        cfg = loader.load_sweep_config(self.config, list(batch[0]))
        # a config group the repository did not know (one from hydra.searchpath, say): the
        # composed config's choices name every group it used
        if any(jobs[0][i].key_or_group in cfg.hydra.runtime.choices for i in swept):
            super().validate_batch_is_legal(batch[1:])
            return
        for job in jobs[1:]:
            ConfigLoaderImpl._apply_overrides_to_config([job[i] for i in swept], cfg)


def swept_positions(jobs: Sequence[Sequence[Override]]) -> list[int] | None:
    """Positions of the overrides whose values differ between the jobs; None unless every job
    sets the same keys in the same order and no swept key is nested in another key (or another
    key in it), so that applying a job's swept values to another job's config gives its own."""
    if not jobs:
        return []
    keys = [o.get_key_element() for o in jobs[0]]
    if any([o.get_key_element() for o in job] != keys for job in jobs[1:]):
        return None
    swept = [i for i in range(len(keys)) if len({job[i].input_line for job in jobs}) > 1]
    for i in swept:
        key = jobs[0][i].key_or_group
        for j, other in enumerate(jobs[0]):
            if j != i and (
                other.key_or_group.startswith(key + ".") or key.startswith(other.key_or_group + ".")
            ):
                return None
    return swept


def _plain(loader: ConfigLoaderImpl, override: Override) -> bool:
    """``key=value`` on a config value: not a config group, not +/++/~, no package, not Hydra's."""
    return (
        override.type == OverrideType.CHANGE
        and override.package is None
        and not override.is_hydra_override()
        and not loader.repository.group_exists(override.key_or_group)
    )
