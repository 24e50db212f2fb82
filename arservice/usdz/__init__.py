"""USDZ: write a scene as a USDZ package for iPhone AR Quick Look (usd-core).

    usdz = export_usdz(scene)      # bytes; BuildError when the scene cannot be a model

The same scene gives the same model as the GLB (placement, triangles, materials, bounds) and the
same bytes every time. See :mod:`arservice.usdz.export` for the layout.
"""

from arservice.usdz.export import export_usdz

__all__ = ["export_usdz"]
