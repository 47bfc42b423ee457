"""photo uploaders: who uploaded which photo

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 23:45:00

A photo may be read only through a record whose owner uploaded it, and HEAD
answers only for the caller's own uploads (issue 11, item 5). Photos stored
before this revision get as uploaders the owners of the records that name them,
which is who sent them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "blobupload",
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["sha256"], ["blob.sha256"]),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("sha256", "user_id"),
    )
    op.create_index(op.f("ix_blobupload_user_id"), "blobupload", ["user_id"], unique=False)
    op.execute(
        "INSERT INTO blobupload (sha256, user_id, uploaded_at) "
        "SELECT DISTINCT b.sha256, r.owner_user_id, b.stored_at FROM blob b "
        "JOIN recordphoto p ON p.sha256 = b.sha256 JOIN record r ON r.id = p.record_id"
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_blobupload_user_id"), table_name="blobupload")
    op.drop_table("blobupload")
