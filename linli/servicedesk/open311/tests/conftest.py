import pytest

from linli.servicedesk.selectors import clear_calendar_cache


@pytest.fixture(autouse=True)
def fresh_calendar_cache():
    clear_calendar_cache()
    yield
    clear_calendar_cache()


@pytest.fixture(autouse=True)
def english_for_machine_clients(settings):
    # These tests compare error descriptions with the spec's English; a client that sends no
    # Accept-Language would otherwise get the platform's default language, Chinese.
    settings.LANGUAGE_CODE = "en"
