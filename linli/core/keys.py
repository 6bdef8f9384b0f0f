"""Key handling: where the secret key, the field-encryption keys and the blind-index key come from.

Production passes them by environment; the embedded mode generates them once into ``var/keys.json``
(readable by the owner only) so that a newcomer's demo works and keeps working across restarts.
"""

import base64
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class Keyring:
    secret_key: str
    # key id -> 32-byte AES-256-GCM key; the active one encrypts, all of them decrypt.
    encryption_keys: dict[str, bytes]
    active_key_id: str
    blind_index_key: bytes


def _decode_key(name: str, value: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(value.encode())
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} is not base64") from exc
    if len(key) != 32:
        raise ImproperlyConfigured(f"{name} must be 32 bytes (base64-encoded), got {len(key)}")
    return key


def new_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def keyring_from_mapping(data: dict[str, str]) -> Keyring:
    """Build a keyring from LINLI_* names; LINLI_ENCRYPTION_KEYS is "id:base64,id:base64"."""
    try:
        pairs = [item.split(":", 1) for item in data["LINLI_ENCRYPTION_KEYS"].split(",") if item.strip()]
        encryption_keys = {key_id.strip(): _decode_key(key_id, value.strip()) for key_id, value in pairs}
        active = data.get("LINLI_ENCRYPTION_ACTIVE_KEY") or pairs[-1][0].strip()
        keyring = Keyring(
            secret_key=data["LINLI_SECRET_KEY"],
            encryption_keys=encryption_keys,
            active_key_id=active,
            blind_index_key=_decode_key("LINLI_BLIND_INDEX_KEY", data["LINLI_BLIND_INDEX_KEY"]),
        )
    except (KeyError, IndexError, ValueError) as exc:
        raise ImproperlyConfigured(f"incomplete key configuration: {exc}") from exc
    if keyring.active_key_id not in keyring.encryption_keys:
        raise ImproperlyConfigured("LINLI_ENCRYPTION_ACTIVE_KEY names no key in LINLI_ENCRYPTION_KEYS")
    for key_id in keyring.encryption_keys:
        if not key_id.isalnum():
            raise ImproperlyConfigured("encryption key ids must be letters and digits")
    return keyring


def load_keyring(var_dir: Path) -> Keyring:
    """Keys from the environment when LINLI_ENCRYPTION_KEYS is set, else from var/keys.json."""
    if os.environ.get("LINLI_ENCRYPTION_KEYS"):
        return keyring_from_mapping(dict(os.environ))
    path = var_dir / "keys.json"
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        generated = {
            "LINLI_SECRET_KEY": secrets.token_urlsafe(50),
            "LINLI_ENCRYPTION_KEYS": f"k1:{new_key()}",
            "LINLI_ENCRYPTION_ACTIVE_KEY": "k1",
            "LINLI_BLIND_INDEX_KEY": new_key(),
        }
        # Owner-only, written aside and linked into place: two processes starting at once agree on
        # one file, and an existing file is never overwritten (losing it loses the data).
        tmp = var_dir / f".keys.{os.getpid()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(generated, handle, indent=2)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return keyring_from_mapping(json.loads(path.read_text()))
