"""Readable names for the words of a template that have no translation of their own.

The template format gives per-language labels to parameters and materials, not to parameter
groups or choice options. An option very often names a material (``surface: {type: choice,
options: [rubber, grass]}`` with ``material: =surface``), and materials do carry labels (the
template's own, then the presets of ``assets/materials.yaml``): those are shown. Groups and
other options are shown by ``params.js`` as a readable form of their key ("court-acrylic" ->
"Court acrylic").
"""

from __future__ import annotations

from arservice.services import templates as stored
from arservice.store.builtin import material_library


def option_labels(info: stored.TemplateInfo) -> dict[str, dict[str, str]]:
    """Per-language names for choice options that name a material: the template's own
    materials, then the material library's presets, both of which carry a ``label`` per language
    (the format has no labels for options themselves; other options are shown as a readable
    form of their key by ``params.js``)."""
    library = material_library()
    own = info.template.schema.materials or {}
    labels: dict[str, dict[str, str]] = {}
    for param in info.template.schema.params.values():
        for option in param.options or ():
            material = own.get(option) or library.get(option)
            if material is not None and material.label:
                labels[option] = dict(material.label)
    return labels
