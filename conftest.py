"""Shared personas: two communities (A and B) in two streets of one district, and staff in each role."""

import pytest
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from linli.accounts.roles import Role
from linli.accounts.tests.factories import staff_with_role
from linli.core.tests.factories import area_tree

# The authorization matrix's `world` fixture, for every app's matrix tests.
pytest_plugins = ["tests.matrix"]

GRID_A = "110109001001001"  # street 001, community 001, grid 001
GRID_A2 = "110109001001002"
GRID_B = "110109002003001"  # another street, another community


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Hashing strength is not under test; the default PBKDF2 would make each staff persona cost ~0.3 s.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def grid_a(db):
    return area_tree(GRID_A)


@pytest.fixture
def grid_a2(db):
    return area_tree(GRID_A2)


@pytest.fixture
def grid_b(db):
    return area_tree(GRID_B)


@pytest.fixture
def community_a(grid_a):
    return grid_a.parent


@pytest.fixture
def community_b(grid_b):
    return grid_b.parent


@pytest.fixture
def worker_a(community_a):
    return staff_with_role(Role.COMMUNITY_WORKER, community_a)


@pytest.fixture
def worker_b(community_b):
    return staff_with_role(Role.COMMUNITY_WORKER, community_b)


def login_staff(client, user):
    """Log a staff user in with a verified second factor, as the TOTP step does."""
    client.force_login(user)
    device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def staff_client(client):
    def make(user):
        return login_staff(client, user)

    return make
