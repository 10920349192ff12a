"""DataMatrix internals behind :mod:`sealdoc.twoddoc.datamatrix` (no stability promise)."""
