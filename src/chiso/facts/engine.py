"""The analytics engine boundary: connecting (DuckDB by default, Spark when configured), opening
the stored source tables and fetching results. Only this module and `facts.store` import duckdb
or pyspark; everything else hands Ibis expressions to an `Engine`.

Spark reads a source as its folder of committed files with `basePath` set to the source folder,
so the hive partition column `month` is kept (Spark drops partition columns from globbed paths,
and pyspark ignores DuckDB's `hive_partitioning`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chiso.errors import UsageError

if TYPE_CHECKING:  # Ibis is imported when an expression is built, not to run a compiled query
    import ibis.expr.types as ir

ENGINES = ("duckdb", "spark")


@dataclass(frozen=True)
class EngineConfig:
    """Which engine, and for Spark where: a Spark Connect URL (`sc://host:port`) or a master
    (`local[2]`, `spark://…`) for a classic session."""

    kind: str = "duckdb"
    spark_remote: str | None = None
    spark_master: str = "local[1]"


@dataclass
class Engine:
    name: str
    _con: Any = None
    """The Ibis backend (on DuckDB made at first use: a compiled query needs none)."""
    _owned: list[Any] = field(default_factory=list)
    _duck: Any = None

    @property
    def con(self) -> Any:
        if self._con is None:
            import ibis

            self._con = ibis.duckdb.connect()
        return self._con

    def run_sql(
        self, views: Mapping[str, Sequence[str]], queries: Mapping[str, str]
    ) -> dict[str, list[dict[str, Any]]]:
        """DuckDB only: runs SQL compiled beforehand (`ibis.to_sql`) over views `facts_<name>` of
        the given Parquet files (the month from their partition folder, as text), without Ibis."""
        self._views(views)
        return {name: self._rows(sql) for name, sql in queries.items()}

    def run_periods(
        self,
        views: Mapping[str, Sequence[str]],
        queries: Mapping[str, str],
        kept: Mapping[str, Sequence[str]],
        periods: Mapping[str, Sequence[str]],
    ) -> dict[str, dict[str, list[dict[str, Any]]]]:
        """DuckDB only: per period, per name, the rows of a by-month query (`unit_code`, `month`
        and counts) summed over the period's months, per unit: the query runs over the view of
        the name's files in `views`, and the rows it gave before for other months are read from
        `kept` (monthly summaries). The sums are DuckDB's, so the rows fetched are per unit and
        period, not per unit and month."""
        self._views(views)
        pairs = ", ".join(f"({_text(p)}, {_text(m)})" for p, ms in periods.items() for m in ms)
        out: dict[str, dict[str, list[dict[str, Any]]]] = {p: {} for p in periods}
        for name in sorted(set(queries) | set(kept)):
            parts = []
            if kept.get(name):
                listed = ", ".join(_text(p) for p in kept[name])
                parts.append(f"SELECT * FROM read_parquet([{listed}], hive_partitioning = false)")
            if name in queries and name in views:
                parts.append(f"SELECT * FROM ({queries[name]})")
            for period in periods:
                out[period][name] = []
            if not parts:
                continue
            rows = self._rows(
                f"WITH r AS ({' UNION ALL BY NAME '.join(parts)}) "
                "SELECT p.period, r.unit_code, "
                "CAST(sum(COLUMNS(r.* EXCLUDE (unit_code, month))) AS BIGINT) "
                f"FROM r JOIN (VALUES {pairs}) p(period, month) ON r.month = p.month "
                "GROUP BY ALL ORDER BY 1, 2"
            )
            for row in rows:
                out[row.pop("period")][name].append(row)
        return out

    def _views(self, views: Mapping[str, Sequence[str]]) -> None:
        import duckdb

        if self._duck is None:
            self._duck = duckdb.connect()
            self._owned.append(self._duck)
        for name, paths in views.items():
            listed = ", ".join(_text(p) for p in paths)
            self._duck.execute(
                f'CREATE OR REPLACE VIEW "facts_{name}" AS SELECT * FROM read_parquet([{listed}], '
                "hive_partitioning = true, hive_types = {'month': VARCHAR})"
            )

    def _rows(self, sql: str) -> list[dict[str, Any]]:
        result = self._duck.execute(sql)
        columns = [d[0] for d in result.description]
        return [dict(zip(columns, row, strict=True)) for row in result.fetchall()]

    def open(self, source: str, root: Path | str, files: Sequence[str]) -> ir.Table:
        """The stored table of one source: `files` are the committed Parquet files (relative to
        `root`, laid out as `month=YYYY-MM/…`); the month comes from the partition folder."""
        paths = [f"{str(root).rstrip('/')}/{f}" for f in files]
        table_name = f"facts_{source}"
        if self.name == "duckdb":
            return self.con.read_parquet(paths, table_name=table_name, hive_partitioning=True)
        session = self.con._session
        frame = session.read.option("basePath", str(root)).parquet(*paths)
        frame.createOrReplaceTempView(table_name)
        return self.con.table(table_name)

    def fetch(self, expr: ir.Table) -> Any:
        """Arrow results of an expression. On DuckDB the compiled SQL runs on the connection
        itself (without the pandas-based converter Ibis imports for `to_pyarrow`)."""
        import ibis

        if self.name == "duckdb":
            return self.con.con.sql(str(ibis.to_sql(expr, dialect="duckdb"))).to_arrow_table()
        return self.con.to_pyarrow(expr)

    def close(self) -> None:
        for thing in self._owned:
            thing.stop() if hasattr(thing, "stop") else thing.close()
        self._owned.clear()
        self._duck = None


def _text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def connect(config: EngineConfig | None = None) -> Engine:
    config = config or EngineConfig()
    if config.kind == "duckdb":
        return Engine("duckdb")
    if config.kind == "spark":
        import ibis

        session = spark_session(config)
        return Engine(
            "spark", ibis.pyspark.connect(session), [session] if not config.spark_remote else []
        )
    raise UsageError(
        f"Máy tính toán '{config.kind}' không hợp lệ (CHISO_FACTS_ENGINE).",
        f"unknown facts engine {config.kind!r}",
        hint_vi="dùng: " + ", ".join(ENGINES),
    )


def spark_session(config: EngineConfig) -> Any:
    """A Spark Connect session when a remote is given, else a classic session on the master;
    partition values stay strings (month 2025-07 is not a date)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise UsageError(
            "Chưa cài Spark (CHISO_FACTS_ENGINE=spark).",
            "pyspark is not installed",
            hint_vi="cài phần bổ sung: `pip install 'chiso[spark]'` (hoặc `uv sync --extra spark`).",
        ) from exc
    builder = SparkSession.builder
    if config.spark_remote:
        session = builder.remote(config.spark_remote).getOrCreate()
    else:
        session = (
            builder.master(config.spark_master)
            .appName("chiso")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", "1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.driver.host", "127.0.0.1")
            .getOrCreate()
        )
    session.conf.set("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
    session.conf.set("spark.sql.session.timeZone", "UTC")
    return session


def serve_spark_connect(host: str, port: int, master: str) -> Any:
    """A classic Spark session on `master` running the Spark Connect plugin on host:port (the
    wheel of Spark 4 ships it); see `python -m chiso.facts.spark_server`."""
    from pyspark.sql import SparkSession

    cores = master.removeprefix("local[").removesuffix("]")
    return (
        SparkSession.builder.master(master)
        .appName("chiso-spark-connect")
        .config("spark.plugins", "org.apache.spark.sql.connect.SparkConnectPlugin")
        .config("spark.connect.grpc.binding.address", host)
        .config("spark.connect.grpc.binding.port", str(port))
        .config("spark.driver.bindAddress", host)
        .config("spark.driver.host", host)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", cores if cores.isdigit() else "2")
        .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
