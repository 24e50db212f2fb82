"""Shapes: sizes, hard and smooth edges, outward winding, closedness, estimates, errors."""

from __future__ import annotations

import inspect
import math
from typing import Any

import numpy as np
import pytest
import shapely
import trimesh
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from arservice.errors import BuildError
from arservice.parametric import shapes
from arservice.parametric.scene import MeshData
from arservice.parametric.shapes import (
    SEGMENTS,
    SHAPES,
    box,
    build_shape,
    capsule,
    cone,
    cylinder,
    estimate_triangles,
    extrude,
    sphere,
    torus,
    tube,
)

L_SHAPE = [(0.0, 0.0), (2.0, 0.0), (2.0, 1.0), (1.0, 1.0), (1.0, 2.0), (0.0, 2.0)]
# Corner 2 lies a rounding error away from the edge 4-0: valid to shapely, a sliver to triangulate.
NEAR_TOUCHING = [(-1.3, 0.4), (0.1, 0.2), (-1.0, 0.7), (0.3, 0.7), (0.1, 1.8)]
BENT_PATH = [(0, 0, 0), (0, 1, 0), (1, 1, 0), (1, 1, 1), (1.2, 1.1, 1.5)]

EXAMPLES: list[tuple[str, dict[str, Any]]] = [
    ("box", {"size": [1.0, 2.0, 3.0]}),
    *[("cylinder", {"radius": 0.5, "height": 2.0, "axis": a}) for a in "xyz"],
    *[("cone", {"radius": 0.5, "height": 2.0, "axis": a}) for a in "xyz"],
    ("sphere", {"radius": 1.0}),
    *[("capsule", {"radius": 0.5, "length": 3.0, "axis": a}) for a in "xyz"],
    ("capsule", {"radius": 1.0, "length": 2.0}),
    *[("torus", {"radius": 1.0, "tube": 0.25, "axis": a}) for a in "xyz"],
    ("extrude", {"polygon": L_SHAPE, "height": 1.0}),
    ("extrude", {"polygon": L_SHAPE[::-1], "height": 1.0}),
    ("tube", {"path": BENT_PATH, "radius": 0.05}),
    ("tube", {"path": [(0, 0, 0), (0, 2, 0)], "radius": 0.1}),
]
EXAMPLE_IDS = [f"{name}-{args.get('axis', '')}{i}" for i, (name, args) in enumerate(EXAMPLES)]


# --- helpers ----------------------------------------------------------------------------------


def corners(mesh: MeshData) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    p = mesh.positions.astype(np.float64)
    f = mesh.indices.astype(np.int64)
    return p[f[:, 0]], p[f[:, 1]], p[f[:, 2]]


def signed_volume(mesh: MeshData) -> float:
    a, b, c = corners(mesh)
    return float(np.einsum("ij,ij->i", a, np.cross(b, c)).sum() / 6.0)


def assert_winds_outward(mesh: MeshData) -> None:
    """Positive volume, and each face's normal (by its winding) agrees with its vertex normals."""
    assert signed_volume(mesh) > 0
    a, b, c = corners(mesh)
    face = np.cross(b - a, c - a)
    size = np.linalg.norm(face, axis=1)
    assert size.min() > 0, "degenerate triangle"
    face /= size[:, None]
    for k in range(3):
        vertex = mesh.normals[mesh.indices[:, k]].astype(np.float64)
        assert np.einsum("ij,ij->i", face, vertex).min() > 0.05


def assert_closed(mesh: MeshData) -> None:
    """Watertight once split vertices are merged, every edge shared by two opposite triangles."""
    merged = trimesh.Trimesh(mesh.positions, mesh.indices, process=True)
    assert merged.is_watertight
    assert merged.is_winding_consistent
    assert merged.volume == pytest.approx(signed_volume(mesh), rel=1e-5)


def assert_well_formed(mesh: MeshData) -> None:
    assert mesh.positions.dtype == np.float32
    assert mesh.normals.dtype == np.float32
    assert mesh.indices.dtype == np.uint32
    assert mesh.positions.shape == mesh.normals.shape == (mesh.vertex_count, 3)
    assert mesh.indices.shape == (mesh.triangle_count, 3)
    assert mesh.positions.flags.c_contiguous
    assert mesh.normals.flags.c_contiguous
    assert mesh.indices.flags.c_contiguous
    assert np.isfinite(mesh.positions).all()
    np.testing.assert_allclose(np.linalg.norm(mesh.normals, axis=1), 1.0, atol=1e-6)
    assert int(mesh.indices.max()) < mesh.vertex_count
    assert len(np.unique(mesh.indices)) == mesh.vertex_count, "no unused vertices"


def bounds(mesh: MeshData) -> tuple[np.ndarray, np.ndarray]:
    return mesh.positions.min(axis=0), mesh.positions.max(axis=0)


def along(axis: str, main: float, across: float) -> np.ndarray:
    """Half extents: ``main`` on ``axis``, ``across`` on the other two."""
    half = np.full(3, across)
    half["xyz".index(axis)] = main
    return half


def error_locs(excinfo: pytest.ExceptionInfo[BuildError]) -> list[str]:
    return [item.loc for item in excinfo.value.items]


# --- every shape ------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "args"), EXAMPLES, ids=EXAMPLE_IDS)
def test_every_shape_returns_float32_unit_normals_and_uint32_triangles(name, args):
    assert_well_formed(build_shape(name, args))


@pytest.mark.parametrize(("name", "args"), EXAMPLES, ids=EXAMPLE_IDS)
def test_every_shape_winds_counter_clockwise_seen_from_outside(name, args):
    assert_winds_outward(build_shape(name, args))


@pytest.mark.parametrize(("name", "args"), EXAMPLES, ids=EXAMPLE_IDS)
def test_every_shape_is_closed_once_split_vertices_are_merged(name, args):
    assert_closed(build_shape(name, args))


@pytest.mark.parametrize(("name", "args"), EXAMPLES, ids=EXAMPLE_IDS)
def test_estimate_equals_the_built_triangle_count(name, args):
    assert estimate_triangles(name, args) == build_shape(name, args).triangle_count


def test_estimate_counts_a_huge_path_without_building_it():
    path = [(float(i), 0.0, 0.0) for i in range(200_000)]
    assert estimate_triangles("tube", {"path": path, "radius": 0.1}) == 2 * SEGMENTS * 200_000


def test_estimate_is_an_upper_bound_when_repeated_points_are_dropped():
    polygon = [*L_SHAPE, L_SHAPE[0]]
    path = [(0, 0, 0), (0, 0, 0), (0, 1, 0)]
    assert estimate_triangles("extrude", {"polygon": polygon, "height": 1}) >= (
        extrude(polygon, 1).triangle_count
    )
    assert (
        estimate_triangles("tube", {"path": path, "radius": 0.1}) >= tube(path, 0.1).triangle_count
    )


def test_meshes_are_read_only_because_copies_share_them():
    mesh = box((1, 1, 1))
    with pytest.raises(ValueError, match="read-only"):
        mesh.positions[0, 0] = 5.0


def test_shapes_table_names_each_builders_parameters():
    for name, keys in SHAPES.items():
        builder = getattr(shapes, name)
        assert set(inspect.signature(builder).parameters) == keys


def test_round_shapes_use_segments_around():
    assert SEGMENTS >= 32
    ring = cylinder(1.0, 1.0).positions
    assert len({(round(float(x), 5), round(float(z), 5)) for x, _, z in ring}) == SEGMENTS + 1


# --- box and round shapes ---------------------------------------------------------------------


def test_box_has_its_exact_size_and_24_vertices_on_6_flat_faces():
    mesh = box((1.0, 2.0, 3.0))
    low, high = bounds(mesh)
    np.testing.assert_array_equal(low, [-0.5, -1.0, -1.5])
    np.testing.assert_array_equal(high, [0.5, 1.0, 1.5])
    assert (mesh.vertex_count, mesh.triangle_count) == (24, 12)
    normals = {tuple(n) for n in mesh.normals.tolist()}
    assert len(normals) == 6


@pytest.mark.parametrize("axis", "xyz")
@pytest.mark.parametrize(
    ("name", "args", "main", "across"),
    [
        ("cylinder", {"radius": 0.5, "height": 2.0}, 1.0, 0.5),
        ("cone", {"radius": 0.5, "height": 2.0}, 1.0, 0.5),
        ("capsule", {"radius": 0.5, "length": 3.0}, 1.5, 0.5),
        ("torus", {"radius": 1.0, "tube": 0.25}, 0.25, 1.25),
        ("sphere", {"radius": 0.7}, 0.7, 0.7),
    ],
)
def test_round_shapes_are_centred_with_their_size_along_the_axis(name, args, main, across, axis):
    if name != "sphere":
        args = {**args, "axis": axis}
    low, high = bounds(build_shape(name, args))
    half = along(axis, main, across)
    np.testing.assert_allclose(high, half, atol=1e-6)
    np.testing.assert_allclose(low, -half, atol=1e-6)


positive = st.floats(0.001, 100.0)


@settings(max_examples=60, deadline=None)
@given(radius=positive, height=positive, extra=positive, axis=st.sampled_from("xyz"))
def test_round_shapes_of_any_size_wind_outward_and_keep_their_bounds(radius, height, extra, axis):
    cases = [
        (cylinder(radius, height, axis), height / 2, radius),
        (cone(radius, height, axis), height / 2, radius),
        (capsule(radius, 2 * radius + height, axis), radius + height / 2, radius),
        (torus(radius + extra, radius, axis), radius, 2 * radius + extra),
    ]
    for mesh, main, across in cases:
        assert_winds_outward(mesh)
        low, high = bounds(mesh)
        np.testing.assert_allclose(high, along(axis, main, across), rtol=1e-6)
        np.testing.assert_allclose(low, -along(axis, main, across), rtol=1e-6)


@pytest.mark.parametrize("axis", "xyz")
def test_cone_tip_points_towards_plus_axis(axis):
    mesh = cone(0.5, 2.0, axis)
    k = "xyz".index(axis)
    tip = mesh.positions[np.argmax(mesh.positions[:, k])]
    np.testing.assert_allclose(tip, along(axis, 1.0, 0.0), atol=1e-6)


def test_cylinder_caps_are_flat_and_separate_from_its_smooth_side():
    mesh = cylinder(0.5, 2.0)
    assert mesh.vertex_count == 2 * SEGMENTS + 2 * (SEGMENTS + 1)
    vertical = np.abs(mesh.normals[:, 1]) > 0.999
    assert vertical.sum() == 2 * (SEGMENTS + 1)  # the caps
    side = mesh.normals[~vertical]
    np.testing.assert_allclose(side[:, 1], 0.0, atol=1e-7)
    radial = mesh.positions[~vertical][:, [0, 2]] / 0.5
    np.testing.assert_allclose(side[:, [0, 2]], radial, atol=1e-6)


def test_cone_side_has_slanted_normals_and_one_tip_vertex_per_segment():
    radius, height = 0.5, 2.0
    mesh = cone(radius, height)
    tips = np.isclose(mesh.positions[:, 1], height / 2)
    assert tips.sum() == SEGMENTS
    slope = radius / math.hypot(radius, height)
    side = mesh.normals[mesh.normals[:, 1] > 0]
    np.testing.assert_allclose(side[:, 1], slope, atol=1e-6)
    assert len({tuple(n) for n in mesh.normals[tips].round(5).tolist()}) == SEGMENTS
    assert (mesh.normals[:, 1] < -0.999).sum() == SEGMENTS + 1  # the flat base


def test_sphere_normals_point_away_from_its_centre():
    mesh = sphere(2.0)
    np.testing.assert_allclose(mesh.normals, mesh.positions / 2.0, atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(mesh.positions, axis=1), 2.0, rtol=1e-6)


def test_capsule_is_smooth_and_its_normals_point_away_from_its_core_segment():
    mesh = capsule(0.5, 3.0)
    core = mesh.positions.copy()
    core[:, 1] -= np.clip(core[:, 1], -1.0, 1.0)
    np.testing.assert_allclose(mesh.normals, core / 0.5, atol=1e-6)


def test_capsule_twice_as_long_as_its_radius_is_a_sphere_without_a_flat_band():
    assert capsule(1.0, 2.0).triangle_count == sphere(1.0).triangle_count
    np.testing.assert_allclose(capsule(1.0, 2.0).positions, sphere(1.0).positions, atol=1e-6)


def test_torus_normals_point_away_from_the_circle_through_the_tube():
    mesh = torus(1.0, 0.25)
    p = mesh.positions.astype(np.float64)
    centre = p * [1, 0, 1]
    centre /= np.linalg.norm(centre, axis=1, keepdims=True)
    np.testing.assert_allclose(mesh.normals, (p - centre) / 0.25, atol=1e-5)


# --- extrude ----------------------------------------------------------------------------------


@pytest.mark.parametrize("polygon", [L_SHAPE, L_SHAPE[::-1]], ids=["ccw", "cw"])
def test_extrusion_rises_from_the_ground_in_either_winding(polygon):
    mesh = extrude(polygon, 0.5)
    low, high = bounds(mesh)
    np.testing.assert_array_equal(low, [0, 0, 0])
    np.testing.assert_array_equal(high, [2, 0.5, 2])
    assert signed_volume(mesh) == pytest.approx(3 * 0.5)


def test_extrusion_caps_are_flat_and_each_wall_has_its_own_vertices():
    mesh = extrude(L_SHAPE, 1.0)
    n = len(L_SHAPE)
    assert mesh.vertex_count == 2 * n + 4 * n
    assert mesh.triangle_count == 2 * (n - 2) + 2 * n
    top = mesh.normals[:, 1] > 0.999
    assert top.sum() == n
    np.testing.assert_allclose(mesh.positions[top][:, 1], 1.0)


def test_extrusion_drops_a_closing_repeat_and_points_on_a_straight_edge():
    square = [(0, 0), (0.5, 0), (1, 0), (1, 1), (0, 1), (0, 0)]
    mesh = extrude(square, 1.0)
    assert mesh.vertex_count == 6 * 4
    assert_closed(mesh)


@pytest.mark.parametrize("flip", [False, True])
def test_extrusion_with_corners_in_line_across_the_polygon_is_closed(flip):
    zigzag = [(0, 0), (1, 1), (2, 0), (3, 1), (4, 0), (5, 1), (6, 0), (6, -2), (0, -2)]
    mesh = extrude(zigzag[::-1] if flip else zigzag, 1.0)
    assert_winds_outward(mesh)
    assert_closed(mesh)


@st.composite
def star_polygons(draw: st.DrawFn) -> list[tuple[float, float]]:
    """Simple polygons: corners at increasing angles round a centre, any distance from it."""
    count = draw(st.integers(3, 24))
    gaps = draw(st.lists(st.floats(0.05, 1.0), min_size=count, max_size=count))
    assume(max(gaps) < 0.45 * sum(gaps))  # each gap under half a turn: the centre sees all
    angles = np.cumsum(gaps) / sum(gaps) * 2 * math.pi
    radii = draw(st.lists(st.floats(0.1, 5.0), min_size=count, max_size=count))
    cx, cz = draw(st.floats(-10, 10)), draw(st.floats(-10, 10))
    points = [
        (cx + r * math.cos(a), cz + r * math.sin(a)) for r, a in zip(radii, angles, strict=True)
    ]
    return points[::-1] if draw(st.booleans()) else points


@settings(max_examples=150, deadline=None)
@given(polygon=star_polygons(), height=st.floats(0.01, 10))
def test_random_extrusions_wind_outward_and_are_closed(polygon, height):
    mesh = extrude(polygon, height)
    assert_well_formed(mesh)
    assert_winds_outward(mesh)
    assert_closed(mesh)
    area = shapely.Polygon(polygon).area
    assert signed_volume(mesh) == pytest.approx(area * height, rel=1e-4)
    assert mesh.triangle_count <= estimate_triangles("extrude", {"polygon": polygon, "height": 1})


# --- tube -------------------------------------------------------------------------------------


def test_straight_tube_runs_between_its_end_points_with_flat_square_ends():
    mesh = tube([(1, 0, 0), (1, 2, 0)], 0.1)
    low, high = bounds(mesh)
    np.testing.assert_allclose(low, [0.9, 0, -0.1], atol=1e-6)
    np.testing.assert_allclose(high, [1.1, 2, 0.1], atol=1e-6)
    assert (mesh.normals[:, 1] < -0.999).sum() == SEGMENTS + 1
    assert (mesh.normals[:, 1] > 0.999).sum() == SEGMENTS + 1
    assert mesh.vertex_count == 2 * SEGMENTS + 2 * (SEGMENTS + 1)


def test_tube_joint_lies_on_the_bisecting_plane_at_the_radius_from_both_segments():
    radius = 0.1
    mesh = tube([(0, 0, 0), (1, 0, 0), (1, 1, 0)], radius)
    p = mesh.positions.astype(np.float64)
    joint = p[np.isclose(p[:, 0] + p[:, 1], 1.0, atol=1e-6)]  # the plane x + y = 1
    assert len(joint) == 2 * SEGMENTS  # a 90° bend keeps a crease: one ring per side
    to_first = np.hypot(joint[:, 1], joint[:, 2])  # distance from the x axis
    to_second = np.hypot(joint[:, 0] - 1, joint[:, 2])  # from the line x = 1, z = 0
    np.testing.assert_allclose(to_first, radius, atol=1e-6)
    np.testing.assert_allclose(to_second, radius, atol=1e-6)


def test_gentle_tube_bend_is_smooth_and_sharp_one_keeps_a_crease():
    gentle = tube([(0, 0, 0), (1, 0, 0), (2, 0.2, 0)], 0.05)
    sharp = tube([(0, 0, 0), (1, 0, 0), (1, 1, 0)], 0.05)
    caps = 2 * (SEGMENTS + 1)
    assert gentle.vertex_count == 3 * SEGMENTS + caps
    assert sharp.vertex_count == 4 * SEGMENTS + caps


def test_a_frame_apex_bends_sharply_but_is_built():
    legs = tube([(0, 0, -0.9), (0, 2.4, 0), (0, 0, 0.9)], 0.045)  # a 139° turn at the top
    assert_winds_outward(legs)
    assert_closed(legs)
    assert bounds(legs)[1][1] < 2.4 + 0.045 * 3


def test_tube_drops_repeated_points_and_keeps_the_original_index_in_errors():
    mesh = tube([(0, 0, 0), (0, 0, 0), (0, 1, 0)], 0.1)
    assert mesh.triangle_count == tube([(0, 0, 0), (0, 1, 0)], 0.1).triangle_count
    with pytest.raises(BuildError) as excinfo:
        tube([(0, 0, 0), (0, 0, 0), (0, 1, 0), (0.1, 0, 0)], 0.01)
    assert error_locs(excinfo) == ["path[2]"]


@st.composite
def tube_paths(draw: st.DrawFn) -> list[tuple[float, float, float]]:
    count = draw(st.integers(2, 8))
    coordinate = st.floats(-3, 3)
    return [(draw(coordinate), draw(coordinate), draw(coordinate)) for _ in range(count)]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(path=tube_paths(), radius=st.floats(0.005, 0.1))
def test_random_tubes_wind_outward_and_are_closed(path, radius):
    try:
        mesh = tube(path, radius)
    except BuildError:
        assume(False)
        raise
    assert_well_formed(mesh)
    assert_winds_outward(mesh)
    merged = trimesh.Trimesh(mesh.positions, mesh.indices, process=True)
    assert merged.is_watertight
    assert mesh.triangle_count <= estimate_triangles("tube", {"path": path, "radius": radius})


# --- errors -----------------------------------------------------------------------------------

BAD_ARGUMENTS = [
    ("box", {"size": [1, 0, 1]}, ["size[1]"]),
    ("box", {"size": [1, 1]}, ["size"]),
    ("box", {"size": "1 1 1"}, ["size"]),
    ("box", {"size": [1, -2, "a"]}, ["size[1]", "size[2]"]),
    ("box", {"size": [1, True, 1]}, ["size[1]"]),
    ("cylinder", {"radius": -1, "height": 1}, ["radius"]),
    ("cylinder", {"radius": 1, "height": math.inf}, ["height"]),
    ("cylinder", {"radius": math.nan, "height": 1, "axis": "w"}, ["radius", "axis"]),
    ("cone", {"radius": 1, "height": 0}, ["height"]),
    ("cone", {"radius": 1, "height": 1, "axis": "Y"}, ["axis"]),
    ("sphere", {"radius": "1"}, ["radius"]),
    ("sphere", {"radius": 10**400}, ["radius"]),
    ("capsule", {"radius": 1, "length": 1.5}, ["length"]),
    ("capsule", {"radius": 1, "length": 3, "axis": None}, ["axis"]),
    ("torus", {"radius": 1, "tube": 1}, ["tube"]),
    ("torus", {"radius": 1, "tube": -0.1}, ["tube"]),
    ("extrude", {"polygon": [(0, 0), (1, 0)], "height": 1}, ["polygon"]),
    ("extrude", {"polygon": [(0, 0), (1, 0), (1, "a")], "height": 1}, ["polygon[2]"]),
    ("extrude", {"polygon": [(0, 0), (1, 0), (1, 1, 1)], "height": 1}, ["polygon[2]"]),
    ("extrude", {"polygon": L_SHAPE, "height": -1}, ["height"]),
    ("extrude", {"polygon": [(0, 0), (1, 0), (0, 10**400)], "height": 1}, ["polygon[2]"]),
    ("extrude", {"polygon": [(0, 0), (0, 0), (1, 1)], "height": 1}, ["polygon"]),
    ("extrude", {"polygon": [(0, 0), (1, 0), (3, 0)], "height": 1}, ["polygon"]),
    ("extrude", {"polygon": [(0, 0), (1, 1), (1, 0), (0, 1)], "height": 1}, ["polygon"]),
    ("extrude", {"polygon": [(0, 0), (2, 0), (2, 2), (1, 0), (0, 2)], "height": 1}, ["polygon"]),
    ("extrude", {"polygon": NEAR_TOUCHING, "height": 1}, ["polygon"]),
    ("tube", {"path": [(0, 0, 0)], "radius": 1}, ["path"]),
    ("tube", {"path": [(0, 0, 0), (1, 1)], "radius": 1}, ["path[1]"]),
    ("tube", {"path": [(0, 0, 0), (0, math.nan, 0)], "radius": 1}, ["path[1]"]),
    ("tube", {"path": 5, "radius": 1}, ["path"]),
    ("tube", {"path": [(1, 1, 1), (1, 1, 1)], "radius": 0.1}, ["path"]),
    ("tube", {"path": [(0, 0, 0), (0, 1, 0)], "radius": 0}, ["radius"]),
    ("tube", {"path": [(0, 0, 0), (0, 1, 0), (0.1, 0, 0)], "radius": 0.01}, ["path[1]"]),
    (
        "tube",
        {"path": [(0, 0, 0), (1, 0, 0), (1, 0.01, 0), (2, 0, 0)], "radius": 0.05},
        ["path[2]"],
    ),
    ("cylinder", {"height": 1}, ["radius"]),
    ("tube", {}, ["path", "radius"]),
    ("pyramid", {"size": [1, 1, 1]}, ["shape"]),
]


@pytest.mark.parametrize(("name", "args", "locs"), BAD_ARGUMENTS)
def test_bad_arguments_are_refused_at_their_key(name, args, locs):
    with pytest.raises(BuildError) as excinfo:
        build_shape(name, args)
    assert error_locs(excinfo) == locs
    for item in excinfo.value.items:
        text = item.message("en")
        assert "{" not in text
        assert item.at("parts[3]").loc.startswith("parts[3].")


def test_error_messages_say_what_is_wrong_and_the_value_given():
    with pytest.raises(BuildError) as excinfo:
        cylinder(-2, 1)
    assert excinfo.value.describe() == (
        "radius: must be greater than 0 (got -2); lengths are in metres"
    )


def test_sharp_tube_bend_is_refused_with_its_angle():
    with pytest.raises(BuildError, match=r"turns by 1\d\d\.\d°"):
        tube([(0, 0, 0), (0, 1, 0), (0.1, 0, 0)], 0.01)


def test_numpy_numbers_and_arrays_are_accepted():
    mesh = build_shape("cylinder", {"radius": np.float64(0.5), "height": np.int64(2)})
    assert bounds(mesh)[1][1] == pytest.approx(1.0)
    polygon = np.array(L_SHAPE, dtype=np.float32)
    assert extrude(polygon, 1.0).triangle_count == extrude(L_SHAPE, 1.0).triangle_count


def test_part_keys_other_than_the_shapes_are_ignored():
    mesh = build_shape("box", {"size": [1, 1, 1], "at": [0, 1, 0], "material": "wood"})
    assert mesh.vertex_count == 24


def test_estimate_refuses_an_unknown_shape_or_a_missing_key():
    with pytest.raises(BuildError):
        estimate_triangles("pyramid", {})
    with pytest.raises(BuildError):
        estimate_triangles("tube", {"radius": 1})
