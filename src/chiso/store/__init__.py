"""The application database: SQLAlchemy models, repositories and Alembic migrations."""
