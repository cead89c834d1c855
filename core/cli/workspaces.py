"""``python -m core workspace ...``: the lab's workspaces from the command line.

The same data directory as the lab (``--data-dir``, default ``$PERSONALIZATION_LAB_DATA`` or the
per-user folder, see :func:`core.default_data_dir`); a workspace is named by its key,
``private:<id>`` or ``shared:<name>``. Any other command runs inside a workspace with
``--workspace KEY`` (instead of ``--db``). A passcode comes from ``--passcode`` or, so that it stays
out of shell history, ``$PERSONALIZATION_WORKSPACE_PASSCODE``::

    python -m core workspace list
    python -m core workspace new --shared room-12
    python -m core workspace passcode shared:room-12 --new tulip-42
    python -m core --workspace shared:room-12 load-sample workshop
    python -m core workspace export shared:room-12 room-12.zip
    python -m core workspace import room-12.zip
    python -m core workspace fork shared:room-12
    python -m core workspace delete private:0123456789abcdef0123 --yes
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from core import (AccessDeniedError, InvalidInputError, SampleLibrary, WorkspaceRef, Workspaces, describe,
                  export_workspace, import_workspace, overview)
from core.cli.format import Output, table
from core.configs import AnnConfig

PASSCODE_ENV = "PERSONALIZATION_WORKSPACE_PASSCODE"


def add_commands(sub, common: argparse.ArgumentParser) -> None:
    """The ``workspace`` command group, added to the main parser's subcommands ``sub``."""
    group = sub.add_parser("workspace", parents=[common], help="list, create, export, import, fork, protect, reset "
                                                                "or delete the lab's workspaces")
    actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")

    def action(name: str, help: str, handler, *, key: bool = True) -> argparse.ArgumentParser:
        p = actions.add_parser(name, parents=[common], help=help, description=help)
        p.set_defaults(handler=handler, needs_store=False)
        if key:
            p.add_argument("key", help="private:<id> or shared:<name>")
        return p

    action("list", "every workspace: personas, catalogs, size, last activity", cmd_list, key=False)
    action("show", "one workspace's collections", cmd_show)
    action("new", "a new workspace (private unless --shared NAME)", cmd_new, key=False).add_argument("--shared")
    action("export", "write a workspace to one file", cmd_export).add_argument("file")
    p = action("import", "a workspace file becomes a new workspace (all or nothing)", cmd_import, key=False)
    p.add_argument("file")
    p.add_argument("--shared", help="import as this new shared workspace instead of a private one")
    action("fork", "a private copy of a workspace", cmd_fork)
    p = action("passcode", "set (--new) or remove (--remove) a shared workspace's passcode", cmd_passcode)
    p.add_argument("--new")
    p.add_argument("--remove", action="store_true")
    action("reset", "remove every persona, interaction and upload of a workspace", cmd_reset)
    action("delete", "remove a workspace from disk", cmd_delete).add_argument(
        "--yes", action="store_true", help="confirm: the workspace and its files are gone for good")


def add_options(parser: argparse.ArgumentParser, suppress: bool) -> None:
    """``--workspace``, ``--data-dir`` and ``--passcode`` (before or after the command)."""
    default = {"default": argparse.SUPPRESS} if suppress else {}
    parser.add_argument("--workspace", metavar="KEY", help="run inside a lab workspace (private:<id> or "
                        "shared:<name>) instead of --db", **default)
    parser.add_argument("--data-dir", help="the workspaces' folder (default: $PERSONALIZATION_LAB_DATA or the "
                        "per-user folder)", **default)
    parser.add_argument("--passcode", help=f"a shared workspace's passcode (or ${PASSCODE_ENV})", **default)


def spaces(args: argparse.Namespace, ann: AnnConfig | None = None) -> Workspaces:
    return Workspaces(getattr(args, "data_dir", None), SampleLibrary(), ann=ann)


def passcode(args: argparse.Namespace) -> str | None:
    return getattr(args, "passcode", None) or os.environ.get(PASSCODE_ENV) or None


def open_store(args: argparse.Namespace, options: dict[str, Any] | None = None):
    """The store of ``--workspace`` (a shared one is made if new); read-only without a needed passcode.
    ``options``: ``{"ann": AnnConfig}`` for the workspace's file."""
    ref = WorkspaceRef.parse(args.workspace)
    spaces_ = spaces(args, (options or {}).get("ann"))
    return spaces_.open(ref, passcode=passcode(args), create=ref.kind == "shared").store


def cmd_list(_, args: argparse.Namespace) -> Output:
    infos = overview(spaces(args))
    data = [{"workspace": i.ref.key, "personas": i.personas, "collections": [c.name for c in i.collections],
             "size_bytes": i.size_bytes, "last_active": i.last_active, "passcode": i.protected} for i in infos]
    rows = [[d["workspace"], d["personas"], ", ".join(d["collections"]), f"{d['size_bytes'] / 1e6:.2f} MB",
             d["last_active"] or "", "yes" if d["passcode"] else ""] for d in data]
    return Output(data, table(["workspace", "personas", "collections", "size", "last active", "passcode"], rows))


def cmd_show(_, args: argparse.Namespace) -> Output:
    info = describe(spaces(args), WorkspaceRef.parse(args.key))
    if info.created_at is None and not info.collections:
        raise InvalidInputError(f"there is no workspace {args.key!r} in {spaces(args).root}")
    data = [{"collection": c.name, "shared_sample": c.shared, "own_items": c.items, "personas": c.personas,
             "interactions": c.interactions, "community": c.community} for c in info.collections]
    return Output(data, table(["collection", "kind", "own items", "personas", "interactions", "community"],
                              [[d["collection"], "sample" if d["shared_sample"] else "uploaded", d["own_items"],
                                d["personas"], d["interactions"], d["community"]] for d in data]))


def cmd_new(_, args: argparse.Namespace) -> Output:
    registry = spaces(args)
    if args.shared:
        ref = WorkspaceRef.shared(args.shared)
        if registry.exists(ref):
            raise InvalidInputError(f"{ref.label} exists already")
        ws = registry.open(ref, create=True)
    else:
        ws = registry.create_private()
    return Output({"workspace": ws.ref.key, "path": str(ws.path)}, f"created {ws.ref.key} in {ws.path}")


def cmd_export(_, args: argparse.Namespace) -> Output:
    data = export_workspace(spaces(args), WorkspaceRef.parse(args.key))
    Path(args.file).write_bytes(data)
    return Output({"file": args.file, "bytes": len(data)}, f"wrote {args.key} to {args.file} ({len(data):,} bytes)")


def cmd_import(_, args: argparse.Namespace) -> Output:
    into = WorkspaceRef.shared(args.shared) if args.shared else None
    ref = import_workspace(spaces(args), args.file, into=into)
    return Output({"workspace": ref.key}, f"imported {args.file} as {ref.key}")


def cmd_fork(_, args: argparse.Namespace) -> Output:
    ref = spaces(args).fork(WorkspaceRef.parse(args.key))
    return Output({"workspace": ref.key, "forked_from": args.key}, f"copied {args.key} into {ref.key}")


def cmd_passcode(_, args: argparse.Namespace) -> Output:
    if bool(args.new) == bool(args.remove):
        raise InvalidInputError("give either --new PASSCODE or --remove")
    spaces(args).set_passcode(WorkspaceRef.parse(args.key), None if args.remove else args.new, current=passcode(args))
    return Output({"workspace": args.key, "protected": not args.remove},
                  f"{args.key}: passcode {'removed' if args.remove else 'set'}")


def cmd_reset(_, args: argparse.Namespace) -> Output:
    spaces(args).reset(WorkspaceRef.parse(args.key), passcode=passcode(args))
    return Output({"workspace": args.key, "reset": True}, f"{args.key} is empty again")


def cmd_delete(_, args: argparse.Namespace) -> Output:
    if not args.yes:
        raise AccessDeniedError(f"deleting {args.key} removes it for good: add --yes to confirm")
    spaces(args).delete(WorkspaceRef.parse(args.key), passcode=passcode(args))
    return Output({"workspace": args.key, "deleted": True}, f"deleted {args.key}")
