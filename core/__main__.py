"""``python -m core ...``: the command-line interface (see :mod:`core.cli`)."""

from .cli import main

raise SystemExit(main())
