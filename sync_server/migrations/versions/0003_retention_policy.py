"""retention log: record kind and policy version per removal

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 21:00:00

Retention became a configuration file with a rule per record kind
(assets/reference/retention.json). Each removal now also names the record's
kind and the version of the file whose rule removed it. Earlier entries (only
the youth pseudonym rule existed) get kind 'gele_kaart' and version 0.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("retentionentry", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "kind",
                sqlmodel.sql.sqltypes.AutoString(length=30),
                nullable=False,
                server_default="",
            )
        )
        batch_op.add_column(
            sa.Column("policy_version", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.create_index("ix_retentionentry_rule_record", ["rule", "record_id"], unique=False)
    op.execute("UPDATE retentionentry SET kind = 'gele_kaart' WHERE kind = ''")


def downgrade() -> None:
    with op.batch_alter_table("retentionentry", schema=None) as batch_op:
        batch_op.drop_index("ix_retentionentry_rule_record")
        batch_op.drop_column("policy_version")
        batch_op.drop_column("kind")
