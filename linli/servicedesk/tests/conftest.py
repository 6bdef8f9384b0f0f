import pytest

from linli.servicedesk.selectors import clear_calendar_cache


@pytest.fixture(autouse=True)
def fresh_calendar_cache():
    clear_calendar_cache()
    yield
    clear_calendar_cache()


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
