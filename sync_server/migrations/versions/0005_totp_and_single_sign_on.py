"""second factor (TOTP) and single sign-on (OpenID Connect)

Revision ID: 0005
Revises: 0003
Create Date: 2026-12-01 23:40:00

Users get an optional TOTP secret (encrypted), when it was confirmed, the last
time step used (a code works once), and the identity provider's subject for
single sign-on. Two tables hold a sign-on under way (state, nonce, PKCE
verifier) and the one-time code that hands its token to the app.

After 0004 (photo uploads).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy of the table): SQLite would have to drop
    # "user", which every other table refers to.
    op.add_column(
        "user",
        sa.Column("totp_secret", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    )
    op.add_column(
        "user", sa.Column("totp_enabled_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
    )
    op.add_column("user", sa.Column("totp_last_step", sa.Integer(), nullable=True))
    op.add_column(
        "user",
        sa.Column("oidc_subject", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    )
    op.create_index("ix_user_oidc_subject", "user", ["oidc_subject"], unique=True)
    op.create_table(
        "oidclogin",
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("nonce", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("code_verifier", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("state"),
    )
    op.create_table(
        "oidchandoff",
        sa.Column("code_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("used_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("code_hash"),
    )


def downgrade() -> None:
    op.drop_table("oidchandoff")
    op.drop_table("oidclogin")
    op.drop_index("ix_user_oidc_subject", table_name="user")
    for column in ("oidc_subject", "totp_last_step", "totp_enabled_at", "totp_secret"):
        op.drop_column("user", column)
