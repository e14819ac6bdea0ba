"""Alembic environment: run migrations on the connection handed over by ``draftwheel.store.db``.

There is no alembic.ini; :func:`draftwheel.store.db.alembic_config` builds the
config in code and passes an open connection in ``config.attributes``.
Batch mode is on because SQLite cannot ALTER most things in place.
"""

from alembic import context

from draftwheel.store.models import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
