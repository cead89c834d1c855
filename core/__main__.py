"""``python -m core ...``: the command-line interface (see :mod:`core.cli.commands`)."""

from core.cli.commands import main

raise SystemExit(main())
