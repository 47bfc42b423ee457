"""hotspot periods, residents' reports (meldingen), district actions (wijkacties)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 00:45:00

Issue 13: a hotspot gets a period (the programme year(s) it is a focus
location in); residents' reports imported from the municipality's reports
system, without personal data; district actions a team leader plans; and a
record may name the action it was logged against.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.add_column("hotspot", sa.Column("valid_from", sa.Date(), nullable=True))
    op.add_column("hotspot", sa.Column("valid_to", sa.Date(), nullable=True))
    op.add_column("record", sa.Column("wijkactie_id", _S(length=36), nullable=True))
    op.create_index(op.f("ix_record_wijkactie_id"), "record", ["wijkactie_id"], unique=False)
    op.create_table(
        "melding",
        sa.Column("id", _S(length=64), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("category", _S(length=120), nullable=False),
        sa.Column("sub_category", _S(length=120), nullable=False),
        sa.Column("state", _S(length=40), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("district_code", _S(length=40), nullable=False),
        sa.Column("hotspot_code", _S(length=120), nullable=True),
        sa.Column("imported_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["district_code"], ["district.code"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_melding_district_date", "melding", ["district_code", "local_date"], unique=False
    )
    op.create_index(
        "ix_melding_hotspot_date", "melding", ["hotspot_code", "local_date"], unique=False
    )
    op.create_table(
        "wijkactie",
        sa.Column("id", _S(length=36), nullable=False),
        sa.Column("district_code", _S(length=40), nullable=False),
        sa.Column("title", _S(length=200), nullable=False),
        sa.Column("themes", sa.JSON(), nullable=False),
        sa.Column("hotspots", sa.JSON(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("hot_times", sa.JSON(), nullable=False),
        sa.Column("goal", _S(length=2000), nullable=False),
        sa.Column("target", sa.Integer(), nullable=True),
        sa.Column("team", _S(length=200), nullable=False),
        sa.Column("officers", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["user.id"]),
        sa.ForeignKeyConstraint(["district_code"], ["district.code"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_wijkactie_district_code"), "wijkactie", ["district_code"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_wijkactie_district_code"), table_name="wijkactie")
    op.drop_table("wijkactie")
    op.drop_index("ix_melding_hotspot_date", table_name="melding")
    op.drop_index("ix_melding_district_date", table_name="melding")
    op.drop_table("melding")
    op.drop_index(op.f("ix_record_wijkactie_id"), table_name="record")
    op.drop_column("record", "wijkactie_id")
    op.drop_column("hotspot", "valid_to")
    op.drop_column("hotspot", "valid_from")
