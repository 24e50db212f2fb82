"""deploy/compose.yaml, read as YAML (no Docker engine runs here): the services a city needs, each
with a health check, every ARSERVICE_* variable a real setting, secrets as files, and the nginx
configuration it mounts the one the nginx tests run."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from arservice.settings import Settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
COMPOSE = DEPLOY / "compose.yaml"
LONG_RUNNING = ("db", "objects", "app", "nginx")
ONE_SHOT = ("objects-init", "migrate")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = YAML(typ="safe").load(COMPOSE.read_text())  # merge keys resolved
    return loaded


def _setting_names() -> set[str]:
    return {f"ARSERVICE_{name.upper()}" for name in Settings.model_fields}


def test_the_services_of_a_city_are_all_there(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == {*LONG_RUNNING, *ONE_SHOT}


@pytest.mark.parametrize("service", LONG_RUNNING)
def test_every_long_running_service_has_a_health_check(
    compose: dict[str, Any], service: str
) -> None:
    check = compose["services"][service]["healthcheck"]
    assert check["test"][0] == "CMD"
    assert check["interval"]
    assert compose["services"][service]["restart"] == "unless-stopped"


def test_two_app_replicas_wait_for_the_database_the_bucket_and_the_migration(
    compose: dict[str, Any],
) -> None:
    app = compose["services"]["app"]
    assert app["deploy"]["replicas"] == 2
    assert app["depends_on"] == {
        "db": {"condition": "service_healthy"},
        "objects-init": {"condition": "service_completed_successfully"},
        "migrate": {"condition": "service_completed_successfully"},
    }
    assert "/readyz" in " ".join(app["healthcheck"]["test"])
    assert compose["services"]["migrate"]["command"] == ["migrate"]
    assert app["command"][0] == "serve"


def test_every_arservice_variable_is_a_real_setting(compose: dict[str, Any]) -> None:
    settings = _setting_names()
    for service in ("app", "migrate"):
        definition = compose["services"][service]
        named = {k for k in definition["environment"] if k.startswith("ARSERVICE_")}
        named |= set(re.findall(r"\b(ARSERVICE_[A-Z0-9_]+)=", " ".join(definition["entrypoint"])))
        assert named, service
        assert named <= settings, named - settings


def test_the_environment_is_a_valid_configuration(compose: dict[str, Any]) -> None:
    environment = {
        k.removeprefix("ARSERVICE_").lower(): v
        for k, v in compose["services"]["app"]["environment"].items()
        if k.startswith("ARSERVICE_")
    }
    secrets = {
        "database_url": "postgresql+psycopg://arservice:x@db:5432/arservice",
        "s3_access_key_id": "arservice",
        "s3_secret_access_key": "s" * 64,
        "secret_key": "k" * 64,
    }
    settings = Settings(**environment, **secrets)
    assert settings.s3_bucket == "arservice"
    assert settings.demo_ideas is False


def test_secrets_are_files_never_values_in_the_file(compose: dict[str, Any]) -> None:
    for name, secret in compose["secrets"].items():
        assert secret == {"file": f"./secrets/{name}"}
    assert (DEPLOY / ".gitignore").read_text().split() == ["secrets/"]
    text = COMPOSE.read_text()
    for variable in ("SECRET_KEY", "SECRET_ACCESS_KEY", "PASSWORD"):
        for line in text.splitlines():
            if f"{variable}:" in line and not line.strip().startswith("#"):
                assert "_FILE" in line, line  # e.g. POSTGRES_PASSWORD_FILE


def test_nginx_runs_the_shipped_configuration(compose: dict[str, Any]) -> None:
    nginx = compose["services"]["nginx"]
    mounts = dict(volume.split(":", 1) for volume in nginx["volumes"])
    assert mounts["./nginx/arservice.conf"] == "/etc/nginx/conf.d/default.conf:ro"
    assert (DEPLOY / "nginx" / "arservice.conf").is_file()
    assert mounts["artifacts"] == "/srv/arservice/artifacts:ro"
    assert "root /srv/arservice/artifacts;" in (DEPLOY / "nginx" / "arservice.conf").read_text()
    upstream = re.search(r"server (\w+):8000;", (DEPLOY / "nginx" / "arservice.conf").read_text())
    assert upstream is not None
    assert upstream[1] in compose["services"], "the upstream names the app service"


def test_only_nginx_is_published_and_the_rest_stays_internal(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        if name == "nginx":
            assert service["networks"] == ["internal", "public"]
            assert service["ports"]
        else:
            assert service["networks"] == ["internal"]
            assert "ports" not in service
    assert compose["networks"]["internal"] == {"internal": True}
