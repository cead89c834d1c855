"""Retrieval strategies: how a profile turns into query vectors and an exact score.

The registry holds one :class:`~core.retrieval.strategies.base.Strategy` per module of this
package: a module that defines ``STRATEGY`` is discovered at import, so adding a strategy is adding
one module (no list or if-chain to edit). Code outside the package may add its own with
:func:`register`. Built in (see each module's docstring for its formula):

- ``blend`` (content + learned behaviour + popularity), the default once a behaviour model is trained;
- ``centroid`` (Rocchio), the default without one;
- ``knn`` (per-interaction max similarity, item-kNN over vectors);
- ``multi_interest`` (likes clustered into interests).

In all of them, dislikes lower the score of items similar to them, not only exclude them.
"""

from __future__ import annotations

import importlib
import pkgutil

from core.errors import InvalidInputError
from core.retrieval.profile import Profile
from core.retrieval.strategies.base import Scorer, Strategy, StrategyConfig

_REGISTRY: dict[str, Strategy] = {}


def register(strategy: Strategy) -> Strategy:
    """Add ``strategy`` under its ``name`` (an existing name is an error); returns it."""
    if not isinstance(strategy, Strategy) or not isinstance(strategy.name, str) or not strategy.name:
        raise InvalidInputError(f"a strategy needs a non-empty name, a summary and scorer(profile, config), "
                                f"got {strategy!r}")
    if strategy.name in _REGISTRY and _REGISTRY[strategy.name] is not strategy:
        raise InvalidInputError(f"a strategy named {strategy.name!r} is already registered")
    _REGISTRY[strategy.name] = strategy
    return strategy


def strategy_names() -> tuple[str, ...]:
    """Every registered strategy's name, built-ins first (in module order)."""
    return tuple(_REGISTRY)


def get_strategy(name: str) -> Strategy:
    """The strategy called ``name``; :class:`InvalidInputError` listing the valid names otherwise."""
    strategy = _REGISTRY.get(name) if isinstance(name, str) else None
    if strategy is None:
        raise InvalidInputError(f"strategy must be one of {list(_REGISTRY)}, got {name!r}")
    return strategy


def build_scorer(name: str, profile: Profile, config: StrategyConfig = StrategyConfig()) -> Scorer:
    """The scorer of strategy ``name`` for ``profile`` (which must not be empty)."""
    return get_strategy(name).scorer(profile, config)


for _module in pkgutil.iter_modules(__path__):
    _found = getattr(importlib.import_module(f"{__name__}.{_module.name}"), "STRATEGY", None)
    if _found is not None:
        register(_found)

STRATEGIES: tuple[str, ...] = strategy_names()
"""The built-in strategies' names."""

__all__ = ["STRATEGIES", "Scorer", "Strategy", "StrategyConfig", "build_scorer", "get_strategy", "register",
           "strategy_names"]
