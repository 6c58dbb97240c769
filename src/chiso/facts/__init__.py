"""Raw activity records of the shared platforms: schemas, Parquet storage, and the indicator
computation as Ibis expressions (DuckDB by default). Only this package talks to the analytics
engine."""
