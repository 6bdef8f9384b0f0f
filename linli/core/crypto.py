"""Encryption at rest for personal data (AES-256-GCM) and HMAC blind indexes for exact lookup.

A ciphertext is ``<key id>$<base64(nonce || ciphertext+tag)>``: the key id travels with the value, so
keys can rotate (a new active key encrypts; old keys still decrypt until rows are re-encrypted).
"""

import base64
import functools
import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from linli.core.keys import Keyring

NONCE_BYTES = 12


def _keyring() -> Keyring:
    keyring: Keyring = settings.KEYRING
    return keyring


@functools.lru_cache(maxsize=16)
def _cipher(key: bytes) -> AESGCM:
    # Building the cipher costs more than sealing a short value; imports encrypt millions of them.
    return AESGCM(key)


def encrypt(plaintext: str, *, context: str) -> str:
    """Encrypt with the active key; ``context`` (e.g. "resident.id_number") is bound as associated data."""
    keyring = _keyring()
    key_id = keyring.active_key_id
    nonce = os.urandom(NONCE_BYTES)
    sealed = _cipher(keyring.encryption_keys[key_id]).encrypt(nonce, plaintext.encode(), context.encode())
    return f"{key_id}${base64.b64encode(nonce + sealed).decode()}"


def decrypt(token: str, *, context: str) -> str:
    keyring = _keyring()
    key_id, _, payload = token.partition("$")
    raw = base64.b64decode(payload)
    key = keyring.encryption_keys[key_id]
    return _cipher(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode()).decode()


def key_id_of(token: str) -> str:
    return token.partition("$")[0]


def blind_index(value: str, *, context: str) -> str:
    """A keyed hash of a normalised value: equal inputs give equal indexes, and it reveals nothing else."""
    digest = hmac.new(_keyring().blind_index_key, f"{context}\x00{value}".encode(), hashlib.sha256)
    return digest.hexdigest()
