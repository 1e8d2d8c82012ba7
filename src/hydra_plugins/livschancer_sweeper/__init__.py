"""livschancer's Hydra sweeper: Hydra's basic sweeper with a cheaper check of the jobs' configs.

Importing this package registers ``hydra/sweeper=livschancer`` (Hydra scans the
``hydra_plugins`` namespace for plugins). See :mod:`.sweeper`.
"""

from hydra_plugins.livschancer_sweeper.sweeper import LivschancerSweeper, LivschancerSweeperConf

__all__ = ["LivschancerSweeper", "LivschancerSweeperConf"]
