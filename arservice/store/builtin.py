"""The built-in assets shipped with arservice: templates and the material library.

In a source checkout they are the repository's ``assets/``; in an installed wheel they are
packaged as ``arservice/_assets``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from arservice.parametric import Template, load_material_library, load_template
from arservice.parametric.schema import MaterialSchema

_PACKAGE = Path(__file__).resolve().parent.parent


def assets_dir() -> Path:
    for candidate in (_PACKAGE / "_assets", _PACKAGE.parent / "assets"):
        if (candidate / "materials.yaml").is_file():
            return candidate
    raise FileNotFoundError("arservice's assets are missing: reinstall the package")


@cache
def material_library() -> dict[str, MaterialSchema]:
    return load_material_library((assets_dir() / "materials.yaml").read_bytes())


def builtin_template_paths() -> dict[str, Path]:
    """Built-in template ids and their files, sorted by id."""
    folder = assets_dir() / "templates"
    return {path.stem: path for path in sorted(folder.glob("*.yaml"))}


@cache
def builtin_template(template_id: str) -> Template:
    """A built-in template by id; KeyError when there is none."""
    path = builtin_template_paths()[template_id]
    return load_template(path.read_bytes(), material_library())
