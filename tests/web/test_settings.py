"""Settings: from ARSERVICE_* variables, with defaults a newcomer can run on."""

from __future__ import annotations

import logging
import stat
import threading
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from arservice.settings import Settings, load_or_create_secret_key


@pytest.mark.sqlite_only("the default URL is SQLite's; this run sets ARSERVICE_DATABASE_URL")
def test_defaults_run_from_a_checkout() -> None:
    settings = Settings()
    assert settings.data_dir == Path("data")
    assert settings.database_url == "sqlite:///data/arservice.db"
    assert settings.max_upload_bytes == 10 * 1024 * 1024
    assert settings.default_language == "fi"
    assert settings.public_artifact_base_url is None


@pytest.mark.sqlite_only("the default URL is SQLite's; this run sets ARSERVICE_DATABASE_URL")
def test_the_database_lives_in_the_data_dir_unless_set(tmp_path: Path) -> None:
    assert Settings(data_dir=tmp_path).database_url == f"sqlite:///{tmp_path}/arservice.db"
    url = "postgresql+psycopg://ar:pw@db/ar"
    assert Settings(data_dir=tmp_path, database_url=url).database_url == url


def test_settings_come_from_arservice_variables(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ARSERVICE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ARSERVICE_MAX_UPLOAD_BYTES", "1234")
    monkeypatch.setenv("ARSERVICE_DEFAULT_LANGUAGE", "sv")
    monkeypatch.setenv("ARSERVICE_BASE_URL", "https://ar.example.org/")
    monkeypatch.setenv("ARSERVICE_LANG", "en")  # the command line's, not a setting
    settings = Settings()
    assert settings.data_dir == tmp_path
    assert settings.max_upload_bytes == 1234
    assert settings.default_language == "sv"
    assert settings.base_url == "https://ar.example.org"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("base_url", "ar.example.org"),
        ("base_url", "ftp://ar.example.org"),
        ("public_artifact_base_url", "https://cdn.example.org/a?x=1"),
        ("max_upload_bytes", 0),
        ("default_language", "de"),
        ("secret_key", "too-short"),
    ],
)
def test_a_bad_setting_is_refused(field: str, value: object) -> None:
    with pytest.raises(ValidationError) as caught:
        Settings.model_validate({field: value})
    assert caught.value.errors()[0]["loc"] == (field,)


def test_a_missing_secret_key_is_made_once_and_kept_private(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(data_dir=tmp_path)
    with caplog.at_level(logging.WARNING, logger="arservice"):
        key = settings.resolved_secret_key()
    path = tmp_path / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(key.get_secret_value()) >= 32
    assert [r for r in caplog.records if "generated a secret key" in r.getMessage()]
    assert key.get_secret_value() not in caplog.text
    caplog.clear()
    again = Settings(data_dir=tmp_path).resolved_secret_key()
    assert again.get_secret_value() == key.get_secret_value()
    assert "generated" not in caplog.text
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]  # no temporary file left


def test_a_configured_secret_key_writes_nothing(tmp_path: Path) -> None:
    key = SecretStr("x" * 40)
    assert Settings(data_dir=tmp_path, secret_key=key).resolved_secret_key() == key
    assert not (tmp_path / "secret_key").exists()


def test_processes_starting_together_agree_on_one_key(tmp_path: Path) -> None:
    path = tmp_path / "secret_key"
    start = threading.Barrier(8)
    keys: list[str] = []

    def first_start() -> None:
        start.wait()
        keys.append(load_or_create_secret_key(path).get_secret_value())

    threads = [threading.Thread(target=first_start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(keys) == 8
    assert len(set(keys)) == 1
    assert path.read_text().strip() == keys[0]


def test_an_unusable_key_file_is_reported(tmp_path: Path) -> None:
    (tmp_path / "secret_key").write_text("short\n")
    with pytest.raises(ValueError, match="no usable secret key"):
        Settings(data_dir=tmp_path).resolved_secret_key()
