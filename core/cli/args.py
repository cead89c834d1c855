"""The command line's grammar: the argument parser of ``python -m core`` and its subcommands.

:func:`build_parser` only describes arguments; what each command does comes in as a mapping from
command name (``"recommend"``, ``"persona create"``, ...) to handler, supplied by :mod:`core.cli.commands`.
The parsed namespace carries ``handler`` and ``needs_store`` for the entry point to act on.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from typing import Any

from core.io.column_types import COLUMN_KINDS
from core.retrieval.strategies import STRATEGIES
from core.store.embedded.ann_mode import VECTOR_SEARCH_ENV, VECTOR_SEARCH_MODES
from core.cli import evaluate as cli_evaluate
from core.cli import log_import as cli_log_import
from core.cli import train as cli_train
from core.cli.context import add_log_mapping, finite_float
from core.cli import workspaces as cli_workspaces
from core.cli.format import Output
from core.where import WHERE_HELP

__all__ = ["COMMANDS", "DB_ENV", "DEFAULT_DB", "Handler", "build_parser"]

DB_ENV = "PERSONALIZATION_DB"
DEFAULT_DB = "personalization.db"

Handler = Callable[[Any, argparse.Namespace], Output]
"""A command: called with the open store (None for commands that need none) and the parsed arguments."""

AddCommand = Callable[..., argparse.ArgumentParser]

COMMANDS = ("samples", "load-sample", "import", "collections", "persona create", "persona list", "persona show",
            "persona delete", "interact", "import-interactions", "recommend", "search")
"""Every command name :func:`build_parser` needs a handler for."""

_STORELESS = frozenset({"samples"})  # commands that run without opening the store


DB_HELP = (f"the store: a file, or a Weaviate URL such as http://localhost:8080 (its API key from $WEAVIATE_API_KEY); "
           f"default: ${DB_ENV} or ./{DEFAULT_DB}")


VECTOR_HELP = (f"the embedded store's vector search: auto (exact below 200k items, an approximate index above), exact, "
               f"or hnsw / ivf at every size (waits for the index); default: ${VECTOR_SEARCH_ENV} or auto")


def build_parser(handlers: Mapping[str, Handler]) -> argparse.ArgumentParser:
    """The argument parser, each command wired to ``handlers[name]`` (a name for each of :data:`COMMANDS`).

    ``--db`` and ``--json`` work before or after the command.
    """
    missing = [name for name in COMMANDS if name not in handlers]
    if missing:
        raise KeyError(f"build_parser needs a handler for {', '.join(missing)}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", default=argparse.SUPPRESS,
                        help=DB_HELP)
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print JSON, not a table")
    common.add_argument("--vector-search", choices=VECTOR_SEARCH_MODES, default=argparse.SUPPRESS, help=VECTOR_HELP)
    cli_workspaces.add_options(common, suppress=True)
    parser = argparse.ArgumentParser(prog="python -m core",
                                     description="Personalized recommendations and search over a local catalog.")
    # the same options on the main parser, with real defaults (the subcommands' copies are SUPPRESSed
    # so that they only override when given)
    parser.add_argument("--db", help=DB_HELP)
    parser.add_argument("--json", action="store_true", help="print JSON, not a table")
    parser.add_argument("--vector-search", choices=VECTOR_SEARCH_MODES, help=VECTOR_HELP)
    cli_workspaces.add_options(parser, suppress=False)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(key: str, help: str, *, agent: bool = False, parent=sub) -> argparse.ArgumentParser:
        p = parent.add_parser(key.split()[-1], parents=[common], help=help, description=help)
        p.set_defaults(handler=handlers[key], needs_store=key not in _STORELESS)
        if agent:
            p.add_argument("-c", "--collection", help="agent collection (default: the store's only one)")
        return p

    _catalog_commands(command)
    persona = sub.add_parser("persona", parents=[common], help="create, list, show or delete personas")
    _persona_commands(command, persona)
    _interact_command(command)
    _ranking_commands(command)
    cli_workspaces.add_commands(sub, common)
    cli_evaluate.add_command(sub, common)
    cli_train.add_command(sub, common)
    return parser


def _catalog_commands(command: AddCommand) -> None:
    command("samples", "list the shipped sample catalogs")
    p = command("load-sample", "install a sample catalog (with its community, if it has a log) and create its agent")
    p.add_argument("name", help="sample name (see `samples`)")
    p.add_argument("-c", "--collection", help="collection name (default: the sample's own)")
    p.add_argument("--replace", action="store_true", help="replace an existing collection of that name")
    p.add_argument("--no-community", action="store_true",
                   help="without the sample's community (its log's real users as background personas)")
    p = command("import", "import a catalog file (csv, tsv, json, jsonl, parquet) and create its agent")
    p.add_argument("file")
    p.add_argument("-c", "--collection", required=True)
    p.add_argument("--id-column", required=True)
    p.add_argument("--text-columns", default="", help="comma-separated columns to embed and search, e.g. title,genres")
    p.add_argument("--vector-column", help="column holding precomputed vectors (then nothing is embedded)")
    p.add_argument("--title-column", help="column to show as the title (becomes the first text field)")
    p.add_argument("--format", help="file format when the name does not tell")
    p.add_argument("--replace", action="store_true", help="replace an existing collection of that name")
    p.add_argument("--column-type", action="append", metavar="COLUMN=TYPE",
                   help=f"a column's type, one of {', '.join(COLUMN_KINDS)} (list splits at |; list:; list:, "
                        "list:json choose), repeatable; other columns get their detected type")
    p.add_argument("--no-type-detection", action="store_true",
                   help="keep the file's values in columns without --column-type (CSV numbers typed, the rest text)")
    command("collections", "list the store's collections")


def _persona_commands(command: AddCommand, persona: argparse.ArgumentParser) -> None:
    actions = persona.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = command("persona create", "create a persona", agent=True, parent=actions)
    p.add_argument("id", help="persona ID (any text; stored as its deterministic UUID)")
    p.add_argument("--prop", action="append", metavar="KEY=VALUE",
                   help="a property: a|b a list, numbers and true/false typed, [..]/{..} JSON, "
                        "quoted or 007-like text stays text (repeatable)")
    p = command("persona list", "list personas (people's; the community's count below)", agent=True, parent=actions)
    p.add_argument("--community", action="store_true", help="list the community's background personas instead")
    for key, help in (("persona show", "show a persona and its interactions"),
                      ("persona delete", "delete a persona and its interactions")):
        command(key, help, agent=True, parent=actions).add_argument("id")


def _interact_command(command: AddCommand) -> None:
    p = command("interact", "record interactions: PERSONA ITEM WEIGHT, or --file FILE", agent=True)
    p.add_argument("persona", nargs="?", help="persona ID")
    p.add_argument("item", nargs="?", help="item ID (the catalog's original ID or a UUID)")
    p.add_argument("weight", nargs="?", type=finite_float, help="from -1 (hated) to 1 (loved)")
    p.add_argument("--at", help="when it happened (ISO-8601; default: now)")
    p.add_argument("--replace", action="store_true", help="replace earlier interactions with this item")
    p.add_argument("--file", help="interaction file with persona, item, weight and optional created_at columns")
    p.add_argument("--persona-column", default="persona_id")
    p.add_argument("--item-column", default="item_id")
    p.add_argument("--weight-column", default="weight")
    p.add_argument("--format", help="file format when the name does not tell")
    p.add_argument("--create-personas", action="store_true", help="create personas that do not exist yet")
    p = command("import-interactions", "import an interaction log (csv, tsv, json, jsonl, parquet; .gz too): "
                "its personas and interactions in one step, all or nothing; then tune the blend", agent=True)
    p.add_argument("file")
    add_log_mapping(p)
    p.add_argument("--skip-unknown-items", action="store_true",
                   help="leave out rows whose item is not in the collection (counted) instead of failing")
    p.add_argument("--no-names", action="store_true", help="do not store the file's persona ID as the name property")
    p.add_argument("--format", help="file format when the name does not tell")
    cli_log_import.add_options(p)


def _ranking_commands(command: AddCommand) -> None:
    p = command("recommend", "personalized recommendations for a persona", agent=True)
    p.add_argument("persona")
    p.add_argument("--limit", type=int, default=10)
    p.add_argument("--recent", type=int, default=100, help="use the N most recent interactions")
    p.add_argument("--strategy", choices=("auto", *STRATEGIES), default="auto",
                   help="auto (default): blend once the collection has a behaviour model (`train`), else centroid")
    p.add_argument("--blend", metavar="C,B,P", help="blend weights content,behaviour,popularity for this request "
                   "(default: the ones tuned for the collection)")
    p.add_argument("--popularity", type=finite_float, default=None, metavar="W",
                   help="weight of the prior for items other personas liked (default 0.5; 0 = off)")
    p.add_argument("--include-interacted", action="store_true", help="keep items the persona interacted with")
    p.add_argument("--exclude", action="extend", nargs="+", metavar="ID", help="item IDs to leave out")
    _time_and_where(p)
    p = command("search", "personalized search", agent=True)
    p.add_argument("persona")
    p.add_argument("query")
    p.add_argument("--mode", choices=("near_text", "bm25", "hybrid"), default="hybrid")
    p.add_argument("--strength", type=finite_float, default=0.5, help="0 = plain search order, 1 = persona only")
    p.add_argument("--alpha", type=finite_float, default=0.7, help="hybrid: 1 = vector only, 0 = bm25 only")
    p.add_argument("--limit", type=int, default=10)
    p.add_argument("--boost-numeric", action="append", metavar="PROP[:log1p|sqrt][@W]",
                   help="rescore by a numeric property, higher first (Weaviate's Boost.numeric_property; repeatable)")
    p.add_argument("--boost-recent", action="append", metavar="PROP:SCALE[@W]",
                   help="rescore by recency of a date property, SCALE a duration like 30d (Boost.time_decay from now)")
    _time_and_where(p)


def _time_and_where(p: argparse.ArgumentParser) -> None:
    p.add_argument("--decay-rate", type=finite_float, default=0.1)
    p.add_argument("--now", help="rank as of this time (ISO-8601; default: now)")
    p.add_argument("--where", action="append", metavar="EXPR", help=f"filter, repeatable (AND): {WHERE_HELP}")
