"""Readable names for choice options that the template does not label itself.

A template labels its options with ``option_labels`` and its groups with ``groups`` (the API
gives both; ``params.js`` shows them first). An option left without one very often names a
material (``surface: {type: choice, options: [rubber, grass]}`` with ``material: =surface``),
and materials do carry labels (the template's own, then the presets of
``assets/materials.yaml``): those come next. Anything else is shown by ``params.js`` as a
readable form of its key ("court-acrylic" -> "Court acrylic").
"""

from __future__ import annotations

from arservice.services import templates as stored
from arservice.store.builtin import material_library


def option_labels(info: stored.TemplateInfo) -> dict[str, dict[str, str]]:
    """Per-language names for choice options that name a material: the template's own
    materials, then the material library's presets, both of which carry a ``label`` per language
    (the fallback for options the template's ``option_labels`` leaves out)."""
    library = material_library()
    own = info.template.schema.materials or {}
    labels: dict[str, dict[str, str]] = {}
    for param in info.template.schema.params.values():
        for option in param.options or ():
            material = own.get(option) or library.get(option)
            if material is not None and material.label:
                labels[option] = dict(material.label)
    return labels
