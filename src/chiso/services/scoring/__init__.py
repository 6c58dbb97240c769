"""Frameworks (shipped or registered by a province) and evaluations: scores, ranks and the
figures documents and pages are written from."""
