import base64
import os

import pytest
from django.db import connection

from linli.core import crypto
from linli.core.keys import Keyring, keyring_from_mapping, new_key
from linli.registry.models import Resident
from linli.registry.selectors import search_residents
from linli.registry.tests.factories import ResidentFactory


def raw_row(resident_id: int) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM registry_resident WHERE id = %s", [resident_id])
        row = cursor.fetchone()
        return row[0], row[1]


@pytest.mark.django_db
def test_id_numbers_and_phones_are_never_stored_in_plaintext():
    resident = ResidentFactory(id_number="11010519491231002X", phone="13812345678")

    stored_id, stored_phone = raw_row(resident.pk)

    assert "11010519491231002X" not in stored_id and "1949" not in stored_id
    assert "13812345678" not in stored_phone
    assert stored_id.startswith(f"{crypto.key_id_of(stored_id)}$")
    assert Resident.objects.get(pk=resident.pk).id_number == "11010519491231002X"


@pytest.mark.django_db
def test_lookup_by_full_id_number_goes_through_the_blind_index(worker_a, grid_a):
    wanted = ResidentFactory(household__building__area=grid_a, area=grid_a, id_number="11010519491231002X")
    ResidentFactory(household__building__area=grid_a, area=grid_a)

    found = search_residents(user=worker_a, query="11010519491231002x")

    assert [r.pk for r in found] == [wanted.pk]


def test_the_same_value_encrypts_differently_each_time_but_indexes_the_same():
    assert crypto.encrypt("13812345678", context="t") != crypto.encrypt("13812345678", context="t")
    assert crypto.blind_index("13812345678", context="t") == crypto.blind_index("13812345678", context="t")
    assert crypto.blind_index("13812345678", context="t") != crypto.blind_index("13812345679", context="t")


def test_ciphertext_is_bound_to_its_context():
    token = crypto.encrypt("secret", context="resident.phone")
    from cryptography.exceptions import InvalidTag

    with pytest.raises(InvalidTag):
        crypto.decrypt(token, context="resident.id_number")


def test_keys_rotate_old_values_still_decrypt(settings):
    old, new = new_key(), new_key()
    settings.KEYRING = keyring_from_mapping(
        {"LINLI_SECRET_KEY": "x", "LINLI_ENCRYPTION_KEYS": f"k1:{old}", "LINLI_BLIND_INDEX_KEY": new_key()}
    )
    token = crypto.encrypt("13812345678", context="c")
    rotated: Keyring = keyring_from_mapping(
        {
            "LINLI_SECRET_KEY": "x",
            "LINLI_ENCRYPTION_KEYS": f"k1:{old},k2:{new}",
            "LINLI_ENCRYPTION_ACTIVE_KEY": "k2",
            "LINLI_BLIND_INDEX_KEY": base64.urlsafe_b64encode(b"0" * 32).decode(),
        }
    )
    settings.KEYRING = rotated

    assert crypto.decrypt(token, context="c") == "13812345678"
    assert crypto.key_id_of(crypto.encrypt("x", context="c")) == "k2"


def test_bad_key_configuration_is_refused():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        keyring_from_mapping(
            {"LINLI_SECRET_KEY": "x", "LINLI_ENCRYPTION_KEYS": "k1:short", "LINLI_BLIND_INDEX_KEY": ""}
        )


# The child only encrypts one value and exits, so the threads of the test process do not matter to it.
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_nonces_never_repeat_and_a_forked_child_draws_its_own_prefix():
    def nonce_of(token: str) -> bytes:
        return base64.b64decode(token.partition("$")[2])[:12]

    nonces = {nonce_of(crypto.encrypt("同一个值", context="test")) for _ in range(10_000)}
    assert len(nonces) == 10_000

    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report its first nonce and leave at once
        os.write(write, nonce_of(crypto.encrypt("x", context="test")))
        os._exit(0)
    os.waitpid(pid, 0)
    child = os.read(read, 12)
    parent = nonce_of(crypto.encrypt("x", context="test"))
    assert child[:4] != parent[:4]
