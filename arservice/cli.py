"""The ``arservice`` command line.

    arservice templates                         built-in templates and their parameters
    arservice check TEMPLATE [--set k=v ...]     validate, build once, print every problem
    arservice build TEMPLATE --set k=v -o model.glb
    arservice schema [-o FILE]                   the template format's JSON Schema
    arservice serve [--host 127.0.0.1] [--port 8000]   the web service (settings: ARSERVICE_*)
    arservice migrate                            create or upgrade the database
    arservice users create --email E --name N --role admin|planner|comms   (asks the password)
    arservice users list
    arservice campaign build --name N --idea SLUG [--idea SLUG ...] [--lang fi,sv] [--size a4|a3]
                             --out FILE.zip        every code and poster of a campaign
    arservice campaign list
    arservice import decidim --api URL --component ID [--budget ID] [--winners-only] [--dry-run]
    arservice import csv FILE [--dry-run]          winners as draft ideas (docs/import.md)

TEMPLATE is a file (YAML or JSON; uploaded GLB parts beside it) or a built-in template id.
Problems go to stderr, one per line, with their place; the exit status is 1 and no traceback
is shown. A failed build writes no output file.
"""

from __future__ import annotations

import copy
import json
import os
import sys
import tempfile
from collections.abc import Callable
from contextvars import ContextVar
from functools import wraps
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import click
import uvicorn
import uvicorn.config
from pydantic import ValidationError

from arservice import __version__
from arservice.errors import ArServiceError, BuildError, TemplateError
from arservice.gltf import inspect_glb
from arservice.i18n import N_, pick_text
from arservice.parametric import Template, load_template, resolve_params, template_json_schema
from arservice.parametric.loader import source_lines
from arservice.services import accounts
from arservice.services.models import build_model
from arservice.settings import Settings
from arservice.store import repositories as repo
from arservice.store.builtin import builtin_template, builtin_template_paths, material_library
from arservice.store.db import make_engine, migrate, session_factory
from arservice.store.models import Role

P = ParamSpec("P")
R = TypeVar("R")
F = TypeVar("F", bound=Callable[..., Any])

MSG_NOT_FOUND = N_("'{name}' is neither a template file nor a built-in template ({known})")
MSG_SET_FORM = N_("--set takes key=value (got '{value}')")
MSG_CANNOT_READ = N_("cannot read {path}: {reason}")
MSG_CANNOT_WRITE = N_("cannot write {path}: {reason}")

lang_option: Callable[[F], F] = click.option(
    "--lang",
    envvar="ARSERVICE_LANG",
    default="en",
    show_default=True,
    help="Language of messages and texts: fi, sv or en.",
)


_TEMPLATE_SOURCE: ContextVar[bytes | None] = ContextVar("template_source", default=None)
"""The text of the template file a command loaded (``_load``), so that its errors can name
their line."""


def _reports_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Print an ArServiceError as its items on stderr and exit 1, without a traceback. A
    problem of a template file read from disk starts with its line: ``line 14: params...``."""

    @wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        lang = str(kwargs.get("lang") or "en")
        token = _TEMPLATE_SOURCE.set(None)
        try:
            return command(*args, **kwargs)
        except ArServiceError as exc:
            source = _TEMPLATE_SOURCE.get()
            if source is not None and isinstance(exc, TemplateError | BuildError):
                exc = exc.with_lines(source_lines(source))
            for item in exc.items:
                said = item.line is None or item.loc.startswith("line ")
                where = "" if said else f"line {item.line}: "
                click.echo(f"error: {where}{item.describe(lang)}", err=True)
            sys.exit(1)
        finally:
            _TEMPLATE_SOURCE.reset(token)

    return run


@click.group()
@click.version_option(__version__, prog_name="arservice")
def main() -> None:
    """arservice: participatory-budgeting winners as real-scale 3D models in AR."""


@main.command()
@lang_option
@_reports_errors
def templates(lang: str) -> None:
    """List the built-in templates with their parameters."""
    library = material_library()
    for template_id, path in builtin_template_paths().items():
        template = load_template(path.read_bytes(), library)
        schema = template.schema
        click.echo(f"{template_id} (version {schema.version}): {pick_text(schema.title, lang)}")
        for name, param in schema.params.items():
            span = ""
            if param.min is not None or param.max is not None:
                span = f" {_number(param.min)}..{_number(param.max)}"
            elif param.options:
                span = " " + "|".join(param.options)
            label = pick_text(param.label, lang) if param.label else ""
            click.echo(
                f"  {name:<18} {param.type:<8} default {_number(param.default)}{span}  {label}"
            )


@main.command()
@click.argument("template_ref", metavar="TEMPLATE")
@click.option("--set", "settings", multiple=True, metavar="KEY=VALUE", help="A parameter value.")
@lang_option
@_reports_errors
def check(template_ref: str, settings: tuple[str, ...], lang: str) -> None:
    """Validate TEMPLATE and build it once, printing every problem."""
    template, assets = _load(template_ref)
    values = resolve_params(template.params, _settings(settings), from_text=True)
    model = build_model(template, values, library=material_library(), asset_files=assets)
    stats = inspect_glb(model.glb)
    click.echo(
        f"ok: {template.id} version {template.version}: {stats.triangles:,} triangles, "
        f"{stats.materials} materials, {stats.draw_calls} draw calls, {len(model.glb):,} bytes"
    )


@main.command()
@click.argument("template_ref", metavar="TEMPLATE")
@click.option("--set", "settings", multiple=True, metavar="KEY=VALUE", help="A parameter value.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@lang_option
@_reports_errors
def build(template_ref: str, settings: tuple[str, ...], output: Path, lang: str) -> None:
    """Build TEMPLATE with the given values into a GLB file."""
    template, assets = _load(template_ref)
    values = resolve_params(template.params, _settings(settings), from_text=True)
    model = build_model(template, values, library=material_library(), asset_files=assets)
    _write_atomically(output, model.glb)
    low, high = model.scene.bounds()
    size = " × ".join(f"{hi - lo:.2f}" for lo, hi in zip(low, high, strict=True))
    click.echo(f"{output}: {len(model.glb):,} bytes, {size} m (x × y × z)")
    description = pick_text(model.scene.info.description, lang)
    if description:
        click.echo(description)


@main.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path))
def schema(output: Path | None) -> None:
    """Print (or write) the JSON Schema of the template format."""
    text = json.dumps(template_json_schema(), indent=2, ensure_ascii=False) + "\n"
    if output is None:
        click.echo(text, nl=False)
    else:
        _write_atomically(output, text.encode())


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
def serve(host: str, port: int) -> None:
    """Run the web service; settings come from ARSERVICE_* environment variables.

    Without ARSERVICE_BASE_URL the public address is this server's own (127.0.0.1 when it
    listens on every interface), so links and model URLs work on the machine it runs on; set
    it to the address residents use for anything else.
    """
    shown = f"[{host}]" if ":" in host else host
    if "ARSERVICE_BASE_URL" not in os.environ:
        local = "127.0.0.1" if host in {"0.0.0.0", "::", ""} else shown
        os.environ["ARSERVICE_BASE_URL"] = f"http://{local}:{port}"
    settings = _environment_settings()
    click.echo(f"arservice: data in {settings.data_dir.resolve()}")
    click.echo(f"arservice {__version__}: serving on http://{shown}:{port}/ (API at /docs)")
    click.echo(f"arservice: public address {settings.base_url} (ARSERVICE_BASE_URL)")
    uvicorn.run(
        "arservice.web.app:app_factory",
        factory=True,
        host=host,
        port=port,
        log_config=_log_config(),
        server_header=False,
    )


@main.command(name="migrate")
def migrate_command() -> None:
    """Create the database, or upgrade it to this version's schema (safe to repeat)."""
    settings = _environment_settings()
    engine = make_engine(settings.database_url)
    try:
        migrate(engine)
    finally:
        engine.dispose()
    click.echo(f"arservice: the database is up to date ({engine.url.render_as_string()})")


@main.group()
def users() -> None:
    """Staff accounts (on the database of ARSERVICE_DATABASE_URL / ARSERVICE_DATA_DIR)."""


@users.command(name="create")
@click.option("--email", required=True, help="The login, e.g. planner@hel.fi.")
@click.option("--name", "display_name", required=True, help="The name shown to other staff.")
@click.option(
    "--role",
    required=True,
    type=click.Choice([role.value for role in Role]),
    help="admin manages users; planner templates and ideas; comms campaigns.",
)
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of stdin instead of asking for it.",
)
@lang_option
@_reports_errors
def users_create(email: str, display_name: str, role: str, password_stdin: bool, lang: str) -> None:
    """Create a staff account; the first admin is made this way."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    settings = _environment_settings()
    engine = make_engine(settings.database_url)
    try:
        migrate(engine)
        with session_factory(engine).begin() as session:
            user = accounts.create_user(
                session,
                email=email,
                display_name=display_name,
                role=Role(role),
                password=password,
                actor_id=None,
            )
            click.echo(f"created {user.role.value} {user.email} (id {user.id})")
    finally:
        engine.dispose()


@users.command(name="list")
def users_list() -> None:
    """Every staff account: id, email, role, and whether it is active."""
    settings = _environment_settings()
    engine = make_engine(settings.database_url)
    try:
        migrate(engine)
        with session_factory(engine)() as session:
            for user in repo.list_users(session):
                state = "active" if user.active else "deactivated"
                click.echo(f"{user.id}\t{user.email}\t{user.role.value}\t{state}")
    finally:
        engine.dispose()


def _environment_settings() -> Settings:
    """Settings from ARSERVICE_* variables; a bad one ends the command with its name."""
    try:
        return Settings()
    except ValidationError as exc:
        for problem in exc.errors():
            name = "ARSERVICE_" + "_".join(str(part) for part in problem["loc"]).upper()
            click.echo(f"error: {name}: {problem['msg']}", err=True)
        sys.exit(1)


def _log_config() -> dict[str, Any]:
    """uvicorn's logging, with arservice's own messages (INFO and up) on the same stream."""
    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config["loggers"]["arservice"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config


def _load(ref: str) -> tuple[Template, dict[str, bytes]]:
    """A template file with the GLB files beside it, or a built-in template by id."""
    path = Path(ref)
    if path.is_file():
        try:
            source = path.read_bytes()
        except OSError as exc:
            raise TemplateError.single("", MSG_CANNOT_READ, path=ref, reason=exc.strerror) from None
        _TEMPLATE_SOURCE.set(source)
        template = load_template(source, material_library())
        wanted = _asset_names(template)
        assets = {
            name: (path.parent / name).read_bytes()
            for name in wanted
            if (path.parent / name).is_file()
        }
        return template, assets
    known = builtin_template_paths()
    if ref in known:
        return builtin_template(ref), {}
    raise TemplateError.single("", MSG_NOT_FOUND, name=ref, known=", ".join(known))


def _asset_names(template: Template) -> set[str]:
    parts = [*template.schema.parts]
    for component in template.schema.components.values():
        parts.extend(component)
    return {part.asset for part in parts if part.asset}


def _settings(settings: tuple[str, ...]) -> dict[str, str]:
    values = {}
    for setting in settings:
        key, sep, value = setting.partition("=")
        if not sep or not key.strip():
            raise TemplateError.single("", MSG_SET_FORM, value=setting)
        values[key.strip()] = value
    return values


def _write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside ``path`` and rename it: never a half-written file."""
    temporary: str | None = None
    try:
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(temporary, 0o644)  # mkstemp makes 0600; a model is not a secret
        os.replace(temporary, path)
    except OSError as exc:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
        reason = exc.strerror or str(exc)
        raise TemplateError.single("", MSG_CANNOT_WRITE, path=str(path), reason=reason) from None


def _number(value: Any) -> str:
    if value is None:
        return ""
    return str(value).lower() if isinstance(value, bool) else str(value)


# Command groups that live in their own modules (they import the helpers above from here).
from arservice.cli_backup import backup, restore  # noqa: E402
from arservice.cli_campaign import campaign  # noqa: E402
from arservice.cli_import import import_group  # noqa: E402

main.add_command(campaign)
main.add_command(import_group)
main.add_command(backup)
main.add_command(restore)
