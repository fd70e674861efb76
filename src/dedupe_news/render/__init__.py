"""Formatters: turn library results into documents (HTML).  No algorithms, no I/O."""
