"""Pure domain code: no I/O, no database, nothing of ours imported from outside `domain`."""
