"""`python -m scratchgrad ...` is the same as the `scratchgrad` command."""

from .cli import main

raise SystemExit(main())
