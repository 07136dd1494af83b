"""Backups of the SQLite database: create, list, verify, prune and restore.

The app and the CLI call these; none of them prints or prompts. Typical use:

    folder = default_backup_dir(settings)
    result = create_backup(database.path, folder)  # blocking: run it in a thread worker
    entry = last_good_backup(folder, source=database.path)  # None when there is none
    if entry: entry.created_at, entry.path  # aware UTC time, the backup file

Modules: create (the copy), verify, restore, prune, catalog (listing), manifest (the
file beside each backup and file names), codec/crypto (compression and encryption),
snapshot (SQLite work), lock (exclusive hold for restore), files (owner-only files).
"""

from clientdesk.storage.backup.catalog import BackupEntry, last_good_backup, list_backups
from clientdesk.storage.backup.create import BackupResult, create_backup
from clientdesk.storage.backup.crypto import Secret, key_from_file, passphrase, passphrase_from_file
from clientdesk.storage.backup.prune import Policy, PruneResult, prune_backups
from clientdesk.storage.backup.restore import RestoreResult, restore_backup
from clientdesk.storage.backup.verify import VerifyResult, verify_backup

__all__ = [
    "BackupEntry",
    "BackupResult",
    "Policy",
    "PruneResult",
    "RestoreResult",
    "Secret",
    "VerifyResult",
    "create_backup",
    "key_from_file",
    "last_good_backup",
    "list_backups",
    "passphrase",
    "passphrase_from_file",
    "prune_backups",
    "restore_backup",
    "verify_backup",
]
