"""Encryption at rest for personal data (AES-256-GCM) and HMAC blind indexes for exact lookup.

A ciphertext is ``<key id>$<base64(nonce || ciphertext+tag)>``: the key id travels with the value, so
keys can rotate (a new active key encrypts; old keys still decrypt until rows are re-encrypted).
"""

import base64
import functools
import hashlib
import hmac
import itertools
import os
from collections.abc import Callable

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from linli.core.keys import Keyring

NONCE_BYTES = 12


_keyring_cache: list[Keyring] = []


def _keyring() -> Keyring:
    # Read once: a settings lookup per value is a measurable share of encrypting an import.
    if not _keyring_cache:
        _keyring_cache.append(settings.KEYRING)
    return _keyring_cache[0]


@receiver(setting_changed)
def _forget_keyring(*, setting: str, **kwargs: object) -> None:
    if setting == "KEYRING":
        _keyring_cache.clear()


@functools.lru_cache(maxsize=16)
def _cipher(key: bytes) -> AESGCM:
    # Building the cipher costs more than sealing a short value; imports encrypt millions of them.
    return AESGCM(key)


class _NonceSource:
    """GCM nonces as a random per-process prefix and a counter (NIST SP 800-38D, 8.2.1): never repeated
    under one key, and no system call per value. A forked child draws a fresh prefix."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.prefix = os.urandom(4)
        self.counter = itertools.count()

    def next(self) -> bytes:
        return self.prefix + next(self.counter).to_bytes(8, "big")


_nonces = _NonceSource()
os.register_at_fork(after_in_child=_nonces.reset)


def encrypt(plaintext: str, *, context: str) -> str:
    """Encrypt with the active key; ``context`` (e.g. "resident.id_number") is bound as associated data."""
    keyring = _keyring()
    key_id = keyring.active_key_id
    nonce = _nonces.next()
    sealed = _cipher(keyring.encryption_keys[key_id]).encrypt(nonce, plaintext.encode(), context.encode())
    return f"{key_id}${base64.b64encode(nonce + sealed).decode()}"


def encrypter(*, context: str) -> Callable[[str], str]:
    """``encrypt`` for many values under one context: the key, cipher and context are looked up once."""
    keyring = _keyring()
    key_id = keyring.active_key_id
    seal = _cipher(keyring.encryption_keys[key_id]).encrypt
    associated = context.encode()
    prefix = f"{key_id}$"
    nonces = _nonces

    def encrypted(plaintext: str) -> str:
        nonce = nonces.next()
        return prefix + base64.b64encode(nonce + seal(nonce, plaintext.encode(), associated)).decode()

    return encrypted


def decrypter(*, context: str) -> Callable[[str], str]:
    """``decrypt`` for many values of one field (exports): the context is encoded once."""
    keyring = _keyring()
    associated = context.encode()

    def decrypted(token: str) -> str:
        key_id, _, payload = token.partition("$")
        raw = base64.b64decode(payload)
        sealed = _cipher(keyring.encryption_keys[key_id])
        return sealed.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], associated).decode()

    return decrypted


def decrypt(token: str, *, context: str) -> str:
    keyring = _keyring()
    key_id, _, payload = token.partition("$")
    raw = base64.b64decode(payload)
    key = keyring.encryption_keys[key_id]
    return _cipher(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode()).decode()


def active_key_id() -> str:
    """The id of the key that encrypts new values."""
    return _keyring().active_key_id


def key_id_of(token: str) -> str:
    return token.partition("$")[0]


def blind_index(value: str, *, context: str) -> str:
    """A keyed hash of a normalised value: equal inputs give equal indexes, and it reveals nothing else."""
    digest = hmac.new(_keyring().blind_index_key, f"{context}\x00{value}".encode(), hashlib.sha256)
    return digest.hexdigest()
