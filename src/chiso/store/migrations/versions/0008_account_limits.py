"""Account limits: a browser session's last activity (idle timeout) and an API token's expiry.

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("web_sessions") as batch:
        batch.add_column(sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("login_attempts") as batch:
        batch.create_index("ix_login_attempts_ip", ["ip", "at"])


def downgrade() -> None:
    with op.batch_alter_table("login_attempts") as batch:
        batch.drop_index("ix_login_attempts_ip")
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("expires_at")
    with op.batch_alter_table("web_sessions") as batch:
        batch.drop_column("last_seen_at")
