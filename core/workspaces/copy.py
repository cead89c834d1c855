"""Copy a persona, with every interaction, from one workspace into another.

In a workshop the teacher's shared workspace holds the demo personas; each student adds their own
copy and changes it without touching the teacher's. The copy keeps the persona id (a persona the
target already has with that id is an error, so a second copy never overwrites the first).
"""

from __future__ import annotations

from uuid import UUID

from core.errors import AlreadyExistsError, NotFoundError
from core.models import PersonaInteraction
from core.workspaces.workspace import Workspace


def copy_persona(source: Workspace, target: Workspace, collection: str, persona_id: UUID) -> int:
    """Copy persona ``persona_id`` of ``collection`` from ``source`` into ``target`` (one persona,
    all its interactions, both or neither); the number of interactions copied."""
    persona = source.store.get_persona(collection, persona_id)
    if persona is None:
        raise NotFoundError(f"persona {persona_id} is not in {collection!r} of the {source.ref.label}")
    target.agent(collection)  # a sample is added to the target on first use; an upload must be there already
    if target.store.get_persona(collection, persona_id) is not None:
        raise AlreadyExistsError(f"your {target.ref.label} already has persona "
                                 f"{persona.properties.get('name') or persona_id} in {collection!r}")
    rows = [PersonaInteraction(persona_id=persona_id, item_id=i.item_id, weight=i.weight, replace_previous_interactions=False,
                               created_at=i.created_at)
            for i in reversed(source.store.recent_interactions(collection, persona_id, None))]
    missing = target.store.missing_items(collection, {r.item_id for r in rows})
    if missing:
        raise NotFoundError(f"{len(missing)} of the persona's items are not in {collection!r} of your "
                            f"{target.ref.label} (e.g. {missing[0]}); nothing was copied")
    with target.lock:
        target.store.add_interactions(collection, rows, create_personas=[persona_id])
        try:
            target.store.put_persona(collection, persona, must_exist=True)
        except BaseException:
            target.store.delete_persona(collection, persona_id)
            raise
    return len(rows)
