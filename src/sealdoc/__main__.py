"""``python -m sealdoc``: the same as the ``sealdoc`` command."""

from sealdoc.cli import main

main()
