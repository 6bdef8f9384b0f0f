"""After a key rotation, every value sealed by the old key is re-encrypted under the new one, so the old key
can be retired; lookups by blind index keep working."""

# factory_boy has no type hints.
# mypy: disable-error-code="no-untyped-call"

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from linli.accounts.models import LoginCode
from linli.accounts.services import request_login_code
from linli.core import crypto, reencryption
from linli.core.keys import keyring_from_mapping, new_key
from linli.core.models import AuditEvent
from linli.core.phones import phone_blind_index
from linli.registry.models import Resident
from linli.registry.tests.factories import ResidentFactory

OLD, NEW, BLIND = new_key(), new_key(), new_key()


def keyring(keys: str, active: str):
    return keyring_from_mapping(
        {
            "LINLI_SECRET_KEY": "x",
            "LINLI_ENCRYPTION_KEYS": keys,
            "LINLI_ENCRYPTION_ACTIVE_KEY": active,
            "LINLI_BLIND_INDEX_KEY": BLIND,
        }
    )


def stored(resident: Resident, column: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM registry_resident WHERE id = %s", [resident.pk])  # noqa: S608
        return str(cursor.fetchone()[0])


@pytest.fixture
def residents(db, settings, grid_a):
    settings.KEYRING = keyring(f"k1:{OLD}", "k1")
    people = [ResidentFactory(area=grid_a, household=None) for _ in range(7)]
    request_login_code(phone="13812345678")  # a table keyed by UUID
    settings.KEYRING = keyring(f"k1:{OLD},k2:{NEW}", "k2")
    return people


def test_a_rotation_leaves_old_values_under_the_old_key_until_the_run(residents):
    assert all(stored(r, "phone").startswith("k1$") for r in residents)
    before = [stored(r, "phone") for r in residents]
    counted = {r.label: r.rewritten for r in reencryption.reencrypt_personal_data(dry_run=True)}
    assert counted["registry.Resident.phone"] == 7 and counted["registry.Resident.id_number"] == 7
    assert [stored(r, "phone") for r in residents] == before  # a dry run writes nothing


def test_the_run_rewrites_every_old_value_and_the_old_key_can_then_go(residents, settings):
    results = {r.label: r for r in reencryption.reencrypt_personal_data(batch=3)}
    assert results["registry.Resident.phone"].rewritten == 7
    assert results["registry.Resident.id_number"].rewritten == 7
    assert results["accounts.LoginCode.phone"].rewritten == 1
    for person in residents:
        assert stored(person, "phone").startswith("k2$") and stored(person, "id_number").startswith("k2$")
    audit = AuditEvent.objects.get(action="keys.reencrypted", object_id="registry.Resident.phone")
    assert audit.data == {"key": "k2", "rewritten": 7, "skipped": 0, "unreadable": 0}
    assert str(residents[0].phone) not in str(list(AuditEvent.objects.values_list("data", flat=True)))
    # Nothing is left for a second run.
    assert sum(r.rewritten for r in reencryption.reencrypt_personal_data()) == 0

    settings.KEYRING = keyring(f"k2:{NEW}", "k2")  # k1 retired
    for person in residents:
        reloaded = Resident.objects.get(pk=person.pk)
        assert (reloaded.phone, reloaded.id_number) == (person.phone, person.id_number)
        assert Resident.objects.filter(phone_index=phone_blind_index(person.phone)).get() == reloaded
    assert LoginCode.objects.get().phone == "13812345678"


def test_a_value_changed_during_the_run_is_left_as_the_newer_one(residents, monkeypatch):
    target = residents[0]
    decrypt = crypto.decrypt
    changed: list[bool] = []

    def decrypt_while_someone_edits(token: str, *, context: str) -> str:
        if not changed and context == "resident.phone":
            changed.append(True)
            Resident.objects.filter(pk=target.pk).update(phone="13900000000")  # sealed under k2 already
        return decrypt(token, context=context)

    monkeypatch.setattr(crypto, "decrypt", decrypt_while_someone_edits)
    model, field = Resident, Resident._meta.get_field("phone")
    result = reencryption.reencrypt_column(model, field)  # type: ignore[arg-type]
    assert (result.rewritten, result.skipped) == (6, 1)
    assert Resident.objects.get(pk=target.pk).phone == "13900000000"


def test_a_value_no_key_opens_is_counted_and_does_not_stop_the_run(residents):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE registry_resident SET phone = %s WHERE id = %s", ["k9$AAAA", residents[0].pk])
    result = reencryption.reencrypt_column(Resident, Resident._meta.get_field("phone"))  # type: ignore[arg-type]
    assert (result.rewritten, result.unreadable) == (6, 1)
    assert stored(residents[0], "phone") == "k9$AAAA"
    assert all(stored(r, "phone").startswith("k2$") for r in residents[1:])


def test_key_ids_differing_only_in_case_are_different_keys(db, settings, grid_a):
    settings.KEYRING = keyring(f"K2:{OLD}", "K2")
    person = ResidentFactory(area=grid_a, household=None)
    settings.KEYRING = keyring(f"K2:{OLD},k2:{NEW}", "k2")
    result = reencryption.reencrypt_column(Resident, Resident._meta.get_field("phone"))  # type: ignore[arg-type]
    assert result.rewritten == 1 and stored(person, "phone").startswith("k2$")


def test_the_command_says_what_it_did(residents):
    out = StringIO()
    call_command("reencrypt", "--dry-run", stdout=out)
    assert "registry.Resident.phone: 7 to re-encrypt" in out.getvalue()
    out = StringIO()
    call_command("reencrypt", stdout=out)
    assert "registry.Resident.phone: 7 re-encrypted" in out.getvalue()
    assert all(stored(r, "phone").startswith("k2$") for r in residents)
