"""What callers hand the engine: catalog items, personas and their interactions.

Field names, types and defaults are those of ``weaviate-agents`` 1.8.0
(``weaviate_agents.personalization.classes.persona``); construction is by keyword, as with the
official pydantic models. IDs may be given as any identifier: ``persona_id="alice"`` becomes the
deterministic UUID5 that ``weaviate.util.generate_uuid5("alice")`` gives.
"""

from __future__ import annotations

from pydantic import ConfigDict, Field

from core.models.fields import ID, Flag, Model, OptionalDatetime, Properties, ItemProperties, Weight


class Item(Model):
    """One catalog object: its UUID and its properties (plain JSON values).

    Unlike personas and results, an item does not copy ``properties``: stores build items by the
    hundred thousand, and handing out copies is the store's job.
    """

    model_config = ConfigDict(frozen=True)

    uuid: ID
    properties: ItemProperties = Field(default_factory=dict)


class Persona(Model):
    """A user profile: an ID and free properties (e.g. ``{"favorite_genres": ["Sci-Fi"]}``).

    ``properties`` defaults to ``{}`` here (the official model requires it).
    """

    persona_id: ID
    properties: Properties = Field(default_factory=dict)


class PersonaInteraction(Model):
    """A persona's reaction to an item: weight 1 = loved, -1 = hated, 0 = neutral.

    ``replace_previous_interactions`` replaces this persona's earlier interactions with the same
    item; ``created_at`` defaults to the time the interaction is stored.
    """

    persona_id: ID
    item_id: ID
    weight: Weight
    replace_previous_interactions: Flag = False
    created_at: OptionalDatetime = None

