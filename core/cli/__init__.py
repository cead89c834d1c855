"""The command line: ``python -m core`` (commands, argument parser, output formatting)."""

from core.cli.commands import main

__all__ = ["main"]
