"""Command modules of the ``sealdoc`` CLI, registered in :mod:`sealdoc.cli`."""
