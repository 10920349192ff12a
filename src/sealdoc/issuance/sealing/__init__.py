"""Sealing a batch: the checks and CMS template made once, the per-document fast path."""
