"""`python -m chiso.facts.spark_server [--port 15002] [--master local[2]]`: a Spark Connect server
from the installed pyspark (Spark 4 ships the Connect plugin), for development and tests. It binds
to 127.0.0.1, has the UI off and one shuffle partition per core, and prints `ready <port>` when it
accepts clients; a deployment uses its cluster's own Spark Connect server instead."""

from __future__ import annotations

import argparse
import time


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=15002)
    parser.add_argument("--master", default="local[1]")
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    from chiso.facts.engine import serve_spark_connect

    session = serve_spark_connect(args.host, args.port, args.master)
    print(f"ready {args.port}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        session.stop()


if __name__ == "__main__":
    main()
