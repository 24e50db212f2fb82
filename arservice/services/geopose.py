"""Where an idea stands: a site (latitude, longitude, heading, footprint) checked, and kept as an
OGC GeoPose 1.0 *Basic-YPR* pose plus a GeoJSON footprint.

    site = check_site(SiteIn(latitude=60.2155, longitude=24.9536, heading=135.0))
    pose = site_geopose(site)
    # {"position": {"lat": 60.2155, "lon": 24.9536, "h": 0.0},
    #  "angles": {"yaw": -45.0, "pitch": 0.0, "roll": 0.0}}

The planner's heading
    The direction the model's *front* faces (its +Z axis, by the model contract), in degrees
    clockwise from true north, as on a map or a compass: 0 north, 90 east, 180 south, 270 west.
    Accepted from 0 up to 360; 360 is stored as 0.

The GeoPose convention (OGC 21-056, GeoPose 1.0 Data Exchange Standard)
    - The outer frame of a Basic GeoPose is the local tangent plane at ``position``, oriented
      East-North-Up (LTP-ENU, annex D: axis 1 east, 2 north, 3 up; right-handed).
    - Requirement ``/req/orientation/ypr_angles``: yaw, pitch and roll are three consecutive
      rotations of that ENU frame about the local (rotated) axes z, y and x, in that order, in
      degrees, as signed real numbers (annex E says the same).
    - A rotation about z (up) in a right-handed frame is positive counter-clockwise seen from
      above: a positive yaw turns east towards north.
    - The standard names the angles yaw, pitch and roll, the rotations about the vertical, the
      lateral and the longitudinal axis of a vehicle, and assigns roll to x: so x is the forward
      axis of the posed object and, with no rotation, it faces east (the convention of vehicle
      and robot frames over ENU, e.g. ROS REP 103). The standard does not say this in words;
      it follows from its axis assignment, and it is the reading used here.

    The conversion, its own inverse::

        yaw = 90 - heading          (then normalised to the range -180 < yaw <= 180)
        heading = (90 - yaw) mod 360

    so heading 0 (north) is yaw 90, heading 90 (east) yaw 0, heading 135 (south-east) yaw -45,
    heading 270 (west) yaw 180. Pitch and roll are 0: a model stands upright on level ground.

    The model's glTF axes in the posed (inner) frame: its front +Z is x, its +X (the model's
    left, seen from behind it) is y, its up +Y is z.

    ``h`` is 0: the height of the ground is not known here; an AR viewer stands the model on the
    ground it detects, whatever ``h`` says.

The footprint
    Optional: the ground the idea takes, as ``[lon, lat]`` points (GeoJSON's order), at least 3
    and at most :data:`MAX_FOOTPRINT_POINTS`, the ring not crossing or touching itself and
    enclosing some area. It is kept as a GeoJSON Polygon (closed ring, as RFC 7946 asks).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictFloat
from shapely.geometry import LinearRing, MultiPoint

from arservice.errors import ErrorItem, InputError
from arservice.i18n import N_

MAX_FOOTPRINT_POINTS = 200
MIN_FOOTPRINT_POINTS = 3
HEADING_DIGITS = 9
"""A heading read back from a stored yaw is rounded to this many decimals (float noise)."""

MSG_LATITUDE = N_("must be a latitude from -90 to 90 degrees (got {value})")
MSG_LONGITUDE = N_("must be a longitude from -180 to 180 degrees (got {value})")
MSG_HEADING = N_(
    "must be a heading from 0 up to 360 degrees, clockwise from north, of the model's front "
    "(got {value})"
)
MSG_FOOTPRINT_FEW = N_(
    "a footprint needs at least {min} different [longitude, latitude] points (got {count})"
)
MSG_FOOTPRINT_MANY = N_("a footprint has at most {max} points (got {count}); simplify the outline")
MSG_FOOTPRINT_CROSSES = N_(
    "the footprint's outline crosses or touches itself; list the corners in order around the area"
)
MSG_FOOTPRINT_EMPTY = N_("the footprint encloses no area; its points must not lie on one line")


class SiteIn(BaseModel):
    """Where the idea stands, as a planner gives it (checked by :func:`check_site`)."""

    model_config = ConfigDict(extra="forbid")

    latitude: StrictFloat = Field(description="WGS 84 degrees, -90..90.")
    longitude: StrictFloat = Field(description="WGS 84 degrees, -180..180.")
    heading: StrictFloat = Field(
        default=0.0,
        description="Where the model's front faces: degrees clockwise from north, 0 up to 360 "
        "(360 is 0).",
    )
    footprint: list[tuple[StrictFloat, StrictFloat]] | None = Field(
        default=None,
        description=f"Optional outline of the area as [longitude, latitude] points, "
        f"{MIN_FOOTPRINT_POINTS} to {MAX_FOOTPRINT_POINTS}, not crossing itself.",
    )


def check_site(site: SiteIn, loc: str = "site") -> SiteIn:
    """``site`` with its heading normalised (360 -> 0) and a closing footprint point dropped;
    InputError naming every bad value (``site.latitude``, ``site.footprint[2][1]``)."""
    problems: list[ErrorItem] = []
    if not -90.0 <= site.latitude <= 90.0:
        problems.append(ErrorItem(f"{loc}.latitude", MSG_LATITUDE, {"value": site.latitude}))
    if not -180.0 <= site.longitude <= 180.0:
        problems.append(ErrorItem(f"{loc}.longitude", MSG_LONGITUDE, {"value": site.longitude}))
    if not 0.0 <= site.heading <= 360.0:
        problems.append(ErrorItem(f"{loc}.heading", MSG_HEADING, {"value": site.heading}))
    footprint = None
    if site.footprint is not None:
        footprint = _check_footprint(site.footprint, f"{loc}.footprint", problems)
    if problems:
        raise InputError(problems)
    heading = 0.0 if site.heading == 360.0 else site.heading + 0.0  # + 0.0: no -0.0
    return SiteIn(
        latitude=site.latitude, longitude=site.longitude, heading=heading, footprint=footprint
    )


def _check_footprint(
    points: Sequence[tuple[float, float]], loc: str, problems: list[ErrorItem]
) -> list[tuple[float, float]] | None:
    before = len(problems)
    for index, (lon, lat) in enumerate(points):
        if not -180.0 <= lon <= 180.0:
            problems.append(ErrorItem(f"{loc}[{index}][0]", MSG_LONGITUDE, {"value": lon}))
        if not -90.0 <= lat <= 90.0:
            problems.append(ErrorItem(f"{loc}[{index}][1]", MSG_LATITUDE, {"value": lat}))
    if len(problems) > before:
        return None
    ring: list[tuple[float, float]] = []
    for lon, lat in points:
        point = (float(lon) + 0.0, float(lat) + 0.0)
        if not ring or ring[-1] != point:  # a point given twice in a row is one corner
            ring.append(point)
    if len(ring) > 1 and ring[0] == ring[-1]:
        ring = ring[:-1]  # a closed ring, as GeoJSON writes it: the same outline
    if len(ring) > MAX_FOOTPRINT_POINTS:
        problems.append(
            ErrorItem(loc, MSG_FOOTPRINT_MANY, {"max": MAX_FOOTPRINT_POINTS, "count": len(ring)})
        )
        return None
    if len(set(ring)) < MIN_FOOTPRINT_POINTS:
        problems.append(
            ErrorItem(loc, MSG_FOOTPRINT_FEW, {"min": MIN_FOOTPRINT_POINTS, "count": len(ring)})
        )
        return None
    if MultiPoint(ring).convex_hull.area == 0.0:
        problems.append(ErrorItem(loc, MSG_FOOTPRINT_EMPTY))
        return None
    if len(set(ring)) != len(ring) or not LinearRing(ring).is_simple:
        problems.append(ErrorItem(loc, MSG_FOOTPRINT_CROSSES))
        return None
    return ring


def heading_to_yaw(heading: float) -> float:
    """GeoPose Basic-YPR yaw (degrees, -180 < yaw <= 180) of a heading clockwise from north."""
    yaw = math.remainder(90.0 - heading, 360.0)  # in [-180, 180]
    return 180.0 if yaw == -180.0 else yaw + 0.0


def yaw_to_heading(yaw: float) -> float:
    """The heading (degrees clockwise from north, 0 <= heading < 360) of a Basic-YPR yaw."""
    heading = round((90.0 - yaw) % 360.0, HEADING_DIGITS)
    return 0.0 if heading == 360.0 else heading + 0.0


def site_geopose(site: SiteIn) -> dict[str, Any]:
    """The OGC GeoPose Basic-YPR JSON of a checked site."""
    return {
        "position": {"lat": site.latitude, "lon": site.longitude, "h": 0.0},
        "angles": {"yaw": heading_to_yaw(site.heading), "pitch": 0.0, "roll": 0.0},
    }


def footprint_geojson(site: SiteIn) -> dict[str, Any] | None:
    """The footprint of a checked site as a GeoJSON Polygon (the ring closed), or None."""
    if site.footprint is None:
        return None
    ring = [[lon, lat] for lon, lat in site.footprint]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def stored_site(geopose: dict[str, Any] | None, footprint: dict[str, Any] | None) -> SiteIn | None:
    """The site as a planner gives it, read back from the stored GeoPose and footprint."""
    if not geopose:
        return None
    position, angles = geopose["position"], geopose["angles"]
    points = None
    if footprint:
        ring = footprint["coordinates"][0][:-1]
        points = [(float(lon), float(lat)) for lon, lat in ring]
    return SiteIn(
        latitude=float(position["lat"]),
        longitude=float(position["lon"]),
        heading=yaw_to_heading(float(angles["yaw"])),
        footprint=points,
    )
