"""Alembic's environment: migrations run on the connection ``init-db`` hands over, inside its
transaction, never on a URL of their own (so they never see a password either)."""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, render_as_batch=True, transaction_per_migration=False)
with context.begin_transaction():
    context.run_migrations()
