"""Typer commands: parse options, call a service, print the result. Nothing else lives here."""
