"""Learned item vectors: what everyone's behaviour says about the items (the ``"behaviour"`` vectors).

- :mod:`core.learn.spectral`: the model (EASE restricted to its top eigenvectors, as unit item vectors);
- :mod:`core.learn.model`: fold-in of a persona, behaviour similarity and its split per interaction;
- :mod:`core.learn.train`: training from a store's interactions, staleness, automatic training.

The ``blend`` strategy (:mod:`core.retrieval.strategies.blend`) ranks with them; their default
blend weights are tuned per collection on a validation split by :mod:`core.eval.blend_tuning`.
"""

from core.learn.model import BEHAVIOUR, BehaviourModel, BehaviourQuery
from core.learn.train import (AUTO_TRAIN_MAX, BehaviourStatus, behaviour_model, behaviour_status, ensure_behaviour,
                              train_behaviour)

__all__ = ["AUTO_TRAIN_MAX", "BEHAVIOUR", "BehaviourModel", "BehaviourQuery", "BehaviourStatus", "behaviour_model",
           "behaviour_status", "ensure_behaviour", "train_behaviour"]
