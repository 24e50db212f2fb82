"""Parametric templates: the format, the safe expression engine, and the generator.

    library = load_material_library(materials_yaml)
    template = load_template(template_yaml, library)       # TemplateError: every problem at once
    scene = build_scene(template, {"stations": 4}, library=library)   # ParameterError, BuildError

Pure: text and values in, values out. Reading files is the caller's job.
"""

from arservice.parametric.generator import Asset, build_scene
from arservice.parametric.loader import load_material_library, load_template
from arservice.parametric.params import resolve_params
from arservice.parametric.schema import template_json_schema
from arservice.parametric.validate import Template

__all__ = [
    "Asset",
    "Template",
    "build_scene",
    "load_material_library",
    "load_template",
    "resolve_params",
    "template_json_schema",
]
