"""The consent database's schema history, as Alembic revisions.

``0001`` is the hash-chain schema the service had before the Merkle tree; ``0002`` turns it
into the tree's. :func:`consent_service.schema_upgrade.upgrade` runs them (``init-db``).
"""
