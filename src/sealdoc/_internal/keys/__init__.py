"""Backends behind :mod:`sealdoc.keys`: key files, PKCS#12, PKCS#11, and the pyHanko adapter.

Nothing here is public API; import :mod:`sealdoc.keys` instead.
"""
