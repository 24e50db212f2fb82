"""Limits a template must stay within (DESIGN.md), checked before any geometry is built."""

TEMPLATE_BYTES = 256 * 1024
"""The largest template file."""
DOCUMENT_VALUES = 50_000
"""The most values (scalars, lists, mappings) a template document may expand to."""
DOCUMENT_DEPTH = 64
"""The deepest nesting of lists and mappings in a template document."""
NODES = 5_000
"""The most placed parts (every copy of every part and component part) in one model."""
COPIES = 50_000
"""The most copies the repeats of one model may make, counting the ones ``if`` switches off
(each costs an evaluation even when it places nothing)."""
TRIANGLES = 150_000
"""The most triangles in one model (the model contract's budget is 100k; aim under 50k)."""
REPEAT_COUNT = 1_000
"""The most copies one ``repeat`` makes (for a grid: nx * nz)."""
NESTING_DEPTH = 8
"""The deepest chain of components using components."""
ASSET_BYTES = 10 * 1024 * 1024
"""The largest uploaded GLB component."""
TEXT_PARAM_CHARS = 200
"""The longest value of a ``text`` parameter."""
