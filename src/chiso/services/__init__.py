"""Use cases with their transactions; the CLI and the web call these, nothing below them."""
