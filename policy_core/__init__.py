"""The policy's shared model: what a version is, what the site publishes, how the log is hashed.

Both the site generator (``policy_site``) and the consent service (``consent_service``) import
this package, and it imports neither of them, nor MkDocs, Flask or SQLAlchemy: the rules the
published contract rests on are written once, here, and an auditor's tools load nothing else.

Modules:

``languages``  the languages every version is published in, their names and locales
``hashing``    canonical JSON and SHA-256, the digests every published hash uses
``versions``   the version model and the rule deciding which version is in effect on a day
``storage``    the browser storage an inventory declares, and when a declared name covers an item
``manifest``   ``versions.json``: its JSON Schema, its writer and its reader
``chain``      the consent log's hash chain and its verification
``merkle``     the log's RFC 9162 Merkle tree: the hash rule and the verification of proofs
``merkle_proofs``    inclusion and consistency proofs computed from the tree's stored hashes
``merkle_frontier``  the tree built leaf by leaf: the sequencer's frontier, the root of leaves
``tiles``      where the tree's hashes are stored: C2SP tlog-tiles, and proofs read from them
``note``       C2SP signed notes with Ed25519: signing, reading, verifying
``note_keys``  the notes' keys: key names and IDs, Ed25519 keys as vkey and skey text
``checkpoint`` the log's signed tree heads (C2SP tlog-checkpoint)
``receipt``    the log's signed promise to include a record, and its offline verification
``catalogs``   gettext catalogs compiled in memory from their ``.po`` files
``errors``     the root of every error raised here
"""
