"""chiso: measure, score, rank and push the digital transformation of public units."""

import logging

__version__ = "0.1.0"

logging.getLogger("chiso").addHandler(logging.NullHandler())
