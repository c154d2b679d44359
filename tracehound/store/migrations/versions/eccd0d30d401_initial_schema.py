"""initial schema

Revision ID: eccd0d30d401
Revises: 
Create Date: 2026-11-25 07:58:58.505750
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = 'eccd0d30d401'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('accounts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accounts'))
    )
    op.create_table('ingest_queue',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('project_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('received_at', sa.Float(), nullable=False),
    sa.Column('event', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ingest_queue'))
    )
    op.create_table('item_hourly_counts',
    sa.Column('item_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('hour', sa.Integer(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('item_id', 'hour', name=op.f('pk_item_hourly_counts'))
    )
    op.create_table('people',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('project_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('person_id', sa.String(length=255), nullable=False),
    sa.Column('username', sa.String(length=255), nullable=True),
    sa.Column('email', sa.String(length=255), nullable=True),
    sa.Column('first_seen', sa.Float(), nullable=False),
    sa.Column('last_seen', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_people')),
    sa.UniqueConstraint('project_id', 'person_id', name='uq_people_project_person')
    )
    op.create_table('projects',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('status', sa.String(length=16), server_default='enabled', nullable=False),
    sa.Column('item_counter', sa.Integer(), server_default='0', nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_projects_account_id_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_projects')),
    sa.UniqueConstraint('account_id', 'name', name=op.f('uq_projects_account_id'))
    )
    op.create_table('users',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('email', sa.String(length=255), nullable=False),
    sa.Column('username', sa.String(length=255), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_users_account_id_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    op.create_table('access_tokens',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('project_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('scopes', sa.String(length=255), nullable=False),
    sa.Column('status', sa.String(length=16), server_default='enabled', nullable=False),
    sa.Column('rate_limit_window_size', sa.Integer(), nullable=True),
    sa.Column('rate_limit_window_count', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_access_tokens_account_id_accounts')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_access_tokens_project_id_projects')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_access_tokens_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_tokens')),
    sa.UniqueConstraint('token', name=op.f('uq_access_tokens_token'))
    )
    op.create_table('items',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('project_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('environment', sa.String(length=255), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('fingerprint_key', sa.Text(), nullable=False),
    sa.Column('grouping_version', sa.String(length=16), nullable=False),
    sa.Column('counter', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('level', sa.SmallInteger(), nullable=False),
    sa.Column('status', sa.SmallInteger(), nullable=False),
    sa.Column('platform', sa.String(length=64), server_default='', nullable=False),
    sa.Column('framework', sa.String(length=64), server_default='', nullable=False),
    sa.Column('language', sa.String(length=64), server_default='', nullable=False),
    sa.Column('exception_class', sa.String(length=255), nullable=True),
    sa.Column('total_occurrences', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('first_occurrence_id', sa.BigInteger(), nullable=True),
    sa.Column('first_occurrence_timestamp', sa.Float(), nullable=True),
    sa.Column('last_occurrence_id', sa.BigInteger(), nullable=True),
    sa.Column('last_occurrence_timestamp', sa.Float(), nullable=True),
    sa.Column('activating_occurrence_id', sa.BigInteger(), nullable=True),
    sa.Column('last_activated_timestamp', sa.Float(), nullable=True),
    sa.Column('last_resolved_timestamp', sa.Float(), nullable=True),
    sa.Column('last_muted_timestamp', sa.Float(), nullable=True),
    sa.Column('resolved_in_version', sa.String(length=40), nullable=True),
    sa.Column('title_lock', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('level_lock', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_items_project_id_projects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_items')),
    sa.UniqueConstraint('project_id', 'counter', name='uq_items_project_counter'),
    sa.UniqueConstraint('project_id', 'environment', 'fingerprint', name='uq_items_project_env_fingerprint'),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.create_index('ix_items_project_last_seen', ['project_id', 'last_occurrence_timestamp'], unique=False)
        batch_op.create_index('ix_items_project_status', ['project_id', 'status'], unique=False)

    op.create_table('occurrences',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('project_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('item_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('uuid', sa.String(length=64), nullable=False),
    sa.Column('timestamp', sa.Float(), nullable=False),
    sa.Column('level', sa.SmallInteger(), nullable=False),
    sa.Column('payload', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_occurrences_item_id_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_occurrences')),
    sa.UniqueConstraint('project_id', 'uuid', name='uq_occurrences_project_uuid'),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('occurrences', schema=None) as batch_op:
        batch_op.create_index('ix_occurrences_item_id', ['item_id', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('occurrences', schema=None) as batch_op:
        batch_op.drop_index('ix_occurrences_item_id')

    op.drop_table('occurrences')
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_index('ix_items_project_status')
        batch_op.drop_index('ix_items_project_last_seen')

    op.drop_table('items')
    op.drop_table('access_tokens')
    op.drop_table('users')
    op.drop_table('projects')
    op.drop_table('people')
    op.drop_table('item_hourly_counts')
    op.drop_table('ingest_queue')
    op.drop_table('accounts')
