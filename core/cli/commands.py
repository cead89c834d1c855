"""Command-line interface: ``python -m core [--db PATH] [--json] COMMAND ...``.

Every command opens the embedded store at ``--db`` (default ``$PERSONALIZATION_DB`` or
``./personalization.db``), calls the public API and prints an aligned text table, or JSON with
``--json``. Engine errors print ``error: <message>`` on stderr and exit with status 2::

    python -m core load-sample workshop
    python -m core load-sample movies --no-community   # without the log's users as background personas
    python -m core persona create alice --prop "favorite_cuisines=Italian|Thai"
    python -m core interact alice spaghetti-carbonara 1.0
    python -m core import-interactions ratings.csv --rating-scale 1:5 --skip-unknown-items   # then tunes the blend
    python -m core recommend alice --limit 5 --where "course=main"

Commands that work on an agent take ``--collection``; without it the store's only agent
collection is used. ``--where`` takes small expressions (see :mod:`core.where`); several are
AND-ed. The arguments are defined in :mod:`core.cli.args`; results are printed by
:mod:`core.cli.format`.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

import numpy as np

from core import (AlreadyExistsError, InvalidInputError, NotFoundError, OverlayStore, Persona, PersonaInteraction,
                  PersonalizationAgent, PersonalizationError, Store, blas_threads_from_env, import_catalog_agent,
                  install_sample_agent, open_store, set_blas_threads, to_uuid)
from core.cli import args as cli_args
from core.cli import workspaces as cli_workspaces
from core.cli.args import DB_ENV, DEFAULT_DB, Handler
from core.cli.context import (Progress, agent_of, blend_option, boost_option, column_types, prop, split_columns,
                              where_filter)
from core.cli.format import Output, persona_output, recommend_output, safe_text, search_output, table, title_of
from core.cli.log_import import cmd_import_interactions
from core.io import catalog, interaction_log, samples
from core.store.embedded.ann_mode import ann_config, vector_search_from_env
from core.store.factory import is_server
from core.where import WHERE_HELP, Condition, build_filter, parse_condition

__all__ = ["DB_ENV", "DEFAULT_DB", "WHERE_HELP", "Condition", "Output", "build_filter", "build_parser", "main",
           "parse_condition", "table", "title_of"]


# -- catalog commands --------------------------------------------------------------------------

def cmd_samples(store: Store | None, args: argparse.Namespace) -> Output:
    data = [{"name": s.name, "title": s.title, "items": s.count, "collection": s.collection,
             "interactions": s.interactions, "license": s.license, "description": s.description}
            for s in samples.list_samples()]
    rows = [[d["name"], d["items"], d["collection"], d["interactions"], d["title"]] for d in data]
    return Output(data, table(["name", "items", "collection", "interactions", "title"], rows))


def _check_new(store: Store, collection: str | None, replace: bool) -> None:
    if collection and store.has_collection(collection) and not replace:
        raise AlreadyExistsError(f"collection {collection!r} already exists; pass --replace to overwrite it "
                                 "or --collection to choose another name")


def cmd_load_sample(store: Store, args: argparse.Namespace) -> Output:
    info = next((s for s in samples.list_samples() if s.name == args.name), None)
    community = bool(info and info.interactions) and not args.no_community
    started = time.perf_counter()
    if isinstance(store, OverlayStore) and info and store.is_shared(args.collection or info.collection):
        store.attach(info.collection, community=community)  # a workspace reads the shared sample: nothing to copy
        agent = PersonalizationAgent(store, info.collection) if PersonalizationAgent.exists(store, info.collection) \
            else PersonalizationAgent.create(store, info.collection)
        text = f"added the shared sample {args.name!r} ({store.count(info.collection)} items) to the workspace"
    else:
        _check_new(store, args.collection or (info and info.collection), args.replace)
        agent = install_sample_agent(store, args.name, args.collection, replace=args.replace, community=community)
        text = f"installed sample {args.name!r} as collection {agent.collection!r} ({store.count(agent.collection)} items)"
    background = store.count_personas(agent.collection, background=True)
    data = {"sample": args.name, "collection": agent.collection, "items": store.count(agent.collection),
            "community_personas": background, "seconds": round(time.perf_counter() - started, 3)}
    if background:
        text += f", with its community of {background:,} personas from the sample's log"
    elif info and info.interactions:
        text += " without its community (--no-community)"
    return Output(data, text + ("; personalization agent ready" if not isinstance(store, OverlayStore) else ""))


def cmd_import(store: Store, args: argparse.Namespace) -> Output:
    parsed = catalog.read_catalog(args.file, id_column=args.id_column, text_columns=split_columns(args.text_columns),
                                  vector_column=args.vector_column, format=args.format,
                                  column_types=column_types(args.column_type), detect_types=not args.no_type_detection)
    _check_new(store, args.collection, args.replace)
    progress = Progress("embedding" if parsed.vectors is None else "vectors")
    try:
        agent = import_catalog_agent(store, args.collection, parsed, progress=progress,
                                     title_property=args.title_column, replace=args.replace)
    finally:
        progress.close()
    spec = store.get_collection(agent.collection)
    types = {c: t.spec for c, t in parsed.column_types.items()}
    data = {"collection": spec.name, "items": len(parsed), "dims": spec.dims, "text_fields": list(spec.text_fields),
            "column_types": types}
    shown = ", ".join(f"{c} {t}" for c, t in types.items()) or "as in the file"
    return Output(data, f"imported {len(parsed)} items into collection {spec.name!r} ({spec.dims}-d vectors; "
                        f"column types: {shown}); personalization agent ready")


def cmd_collections(store: Store, args: argparse.Namespace) -> Output:
    data = []
    for name in store.list_collections():
        spec, agent = store.get_collection(name), store.has_agent(name)
        data.append({"name": name, "items": store.count(name), "dims": spec.dims, "agent": agent,
                     "personas": store.count_personas(name) if agent else 0,
                     "community": store.count_personas(name, background=True) if agent else 0,
                     "text_fields": list(spec.text_fields), "embedding_model": spec.embedding_model})
    headers = ["name", "items", "dims", "agent", "personas", "community", "text_fields"]
    return Output(data, table(headers, [[d[h] for h in headers] for d in data]))


# -- persona and interaction commands ----------------------------------------------------------

def _persona_data(persona: Persona) -> dict[str, Any]:
    return {"persona_id": str(persona.persona_id), "properties": persona.properties}


def cmd_persona_create(store: Store, args: argparse.Namespace) -> Output:
    agent = agent_of(store, args)
    persona = Persona(persona_id=args.id, properties=dict(prop(p) for p in args.prop or ()))
    agent.add_persona(persona)
    data = {"id": args.id, **_persona_data(persona)}
    return Output(data, f"created persona {args.id!r} ({persona.persona_id}) in {agent.collection!r}")


def cmd_persona_list(store: Store, args: argparse.Namespace) -> Output:
    agent = agent_of(store, args)
    if args.community:
        return _community_list(store, agent.collection)
    data = [{**_persona_data(p), "interactions": len(agent.get_interactions(p.persona_id, "all"))}
            for p in agent.list_personas()]
    rows = [[d["persona_id"], d["interactions"], d["properties"]] for d in data]
    text = table(["persona_id", "interactions", "properties"], rows)
    if background := store.count_personas(agent.collection, background=True):
        text += f"\n+ {background:,} community personas from the sample's log (`persona list --community` lists them)"
    return Output(data, text)


def _community_list(store: Store, collection: str) -> Output:
    """The background personas with their interaction counts (from one scan: there may be tens of thousands)."""
    scan = store.scan_interactions(collection)
    counts = dict(zip(scan.personas, np.bincount(scan.persona_index, minlength=len(scan.personas)).tolist()))
    data = [{**_persona_data(p), "interactions": counts.get(p.persona_id, 0)}
            for p in store.list_personas(collection, background=True)]
    rows = [[d["persona_id"], d["interactions"], d["properties"]] for d in data]
    return Output(data, table(["persona_id", "interactions", "properties"], rows) +
                  f"\n{len(data):,} community personas of {collection!r} (read-only in a workspace)")


def cmd_persona_show(store: Store, args: argparse.Namespace) -> Output:
    agent = agent_of(store, args)
    persona = agent.get_persona(args.id)
    interactions = agent.get_interactions(args.id, "all")
    items = store.get_items(agent.collection, [i.item_id for i in interactions])
    return persona_output(args.id, persona, interactions, items, store.get_collection(agent.collection).text_fields)


def cmd_persona_delete(store: Store, args: argparse.Namespace) -> Output:
    agent = agent_of(store, args)
    agent.delete_persona(args.id)
    return Output({"deleted": str(to_uuid(args.id))}, f"deleted persona {args.id!r} and its interactions")


def cmd_interact(store: Store, args: argparse.Namespace) -> Output:
    agent = agent_of(store, args)
    interactions = _file_interactions(args) if args.file else [_one_interaction(store, agent, args)]
    if not args.create_personas:
        absent = sorted({str(i.persona_id) for i in interactions if not agent.has_persona(i.persona_id)})
        if absent:
            who = f"persona {args.persona!r} does" if not args.file else \
                f"{len(absent)} persona(s) do, e.g. {', '.join(absent[:3])},"
            raise NotFoundError(f"{who} not exist in {agent.collection!r}; create it with `persona create ID` "
                                "or pass --create-personas; nothing was stored")
    agent.add_interactions(interactions, create_persona_if_not_exists=args.create_personas)
    personas = len({i.persona_id for i in interactions})
    data = {"collection": agent.collection, "stored": len(interactions), "personas": personas}
    return Output(data, f"stored {len(interactions)} interaction(s) for {personas} persona(s) in "
                        f"{agent.collection!r}")


def _one_interaction(store: Store, agent: PersonalizationAgent, args: argparse.Namespace) -> PersonaInteraction:
    if args.persona is None or args.item is None or args.weight is None:
        raise InvalidInputError("interact needs PERSONA ITEM WEIGHT, or --file FILE")
    interaction = PersonaInteraction(persona_id=args.persona, item_id=args.item, weight=args.weight,
                                     replace_previous_interactions=args.replace,
                                     created_at=args.at)
    if not store.get_items(agent.collection, [interaction.item_id]):
        raise NotFoundError(f"item {args.item!r} is not in collection {agent.collection!r}")
    return interaction


def _file_interactions(args: argparse.Namespace) -> list[PersonaInteraction]:
    if args.persona is not None or args.at or args.replace:
        raise InvalidInputError("--file takes no PERSONA ITEM WEIGHT, --at or --replace: they come from the file")
    return interaction_log.read_interactions(args.file, persona_column=args.persona_column, item_column=args.item_column,
                                     weight_column=args.weight_column, format=args.format)


# -- ranking commands --------------------------------------------------------------------------

def cmd_recommend(store: Store, args: argparse.Namespace) -> Output:
    agent = agent_of(store, args)
    response = agent.get_objects(
        args.persona, limit=args.limit, recent_interactions_count=args.recent,
        exclude_interacted_items=not args.include_interacted, decay_rate=args.decay_rate,
        exclude_items=args.exclude or (), use_agent_ranking=False,
        filters=where_filter(store, agent.collection, args.where), strategy=None if args.strategy == "auto" else
        args.strategy, now=args.now, popularity_weight=args.popularity, blend=blend_option(args.blend))
    return recommend_output(response, store.get_collection(agent.collection).text_fields)


def cmd_search(store: Store, args: argparse.Namespace) -> Output:
    agent = agent_of(store, args)
    query = agent.query(args.persona, strength=args.strength, decay_rate=args.decay_rate, now=args.now)
    filters = where_filter(store, agent.collection, args.where)
    boost = boost_option(args.boost_numeric, args.boost_recent)
    if args.mode == "bm25":
        response = query.bm25(args.query, limit=args.limit, filters=filters, boost=boost)
    elif args.mode == "hybrid":
        response = query.hybrid(args.query, alpha=args.alpha, limit=args.limit, filters=filters, boost=boost)
    else:
        response = query.near_text(args.query, limit=args.limit, filters=filters, boost=boost)
    return search_output(response, store.get_collection(agent.collection).text_fields)


# -- parser ------------------------------------------------------------------------------------

HANDLERS: dict[str, Handler] = {
    "samples": cmd_samples, "load-sample": cmd_load_sample, "import": cmd_import, "collections": cmd_collections,
    "persona create": cmd_persona_create, "persona list": cmd_persona_list, "persona show": cmd_persona_show,
    "persona delete": cmd_persona_delete, "interact": cmd_interact, "import-interactions": cmd_import_interactions,
    "recommend": cmd_recommend, "search": cmd_search,
}
"""Each command's handler, by the name :func:`core.cli.args.build_parser` knows it by."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of :mod:`core.cli.args`, wired to this module's commands."""
    return cli_args.build_parser(HANDLERS)


# -- entry point -------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    """Run one command; returns the exit status (0 ok, 1 needs a confirmation, 2 usage or engine error)."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help and usage errors: argparse has printed its message
        return exc.code if isinstance(exc.code, int) else 2
    args.db = args.db or os.environ.get(DB_ENV) or DEFAULT_DB
    try:
        output = _run(args)
    except PersonalizationError as exc:
        print(f"error: {safe_text(str(exc))}", file=sys.stderr)
        return 2
    print(output.render(args.json))
    return output.status


def _run(args: argparse.Namespace) -> Output:
    if (threads := blas_threads_from_env(None)) is not None:  # $PERSONALIZATION_BLAS_THREADS, as the lab reads it
        set_blas_threads(threads)
    if not args.needs_store:
        return args.handler(None, args)
    ann = _vector_search(args)
    store = cli_workspaces.open_store(args, ann) if args.workspace else open_store(args.db, **ann)
    try:
        return args.handler(store, args)
    finally:
        store.close()


def _vector_search(args: argparse.Namespace) -> dict[str, Any]:
    """``{"ann": config}`` for ``--vector-search`` / ``$PERSONALIZATION_VECTOR_SEARCH`` (``{}`` for auto on a
    server, which has its own index). hnsw / ivf wait for the index: a command answers once and exits."""
    mode = args.vector_search or vector_search_from_env()
    if not args.workspace and is_server(args.db):
        if mode != "auto":
            raise InvalidInputError(f"--vector-search {mode} is for the embedded store; a Weaviate server searches "
                                    "with its own vector index")
        return {}
    return {"ann": ann_config(mode, wait_for_index=mode in ("hnsw", "ivf"))}
