"""The generator: transforms, repeats, components, materials, checks, limits and placement."""

from __future__ import annotations

import textwrap
from typing import Any

import numpy as np
import pytest

from arservice.errors import BuildError, ParameterError
from arservice.parametric import build_scene, load_template
from arservice.parametric.scene import Scene, transform_points
from arservice.parametric.schema import MaterialSchema

LIBRARY = {
    "wood": MaterialSchema(color="#8a5a2b", roughness=0.7),
    "concrete": MaterialSchema(color="#9a9a96"),
}


def make(body: str, values: dict[str, Any] | None = None) -> Scene:
    header = "format: arservice/template@1\nid: test\nversion: 1\ntitle: {en: Test}\n"
    template = load_template(header + textwrap.dedent(body), LIBRARY)
    return build_scene(template, values or {}, library=LIBRARY)


def centre(scene: Scene, name: str) -> np.ndarray:
    instance = next(i for i in scene.instances if i.name == name)
    placed = transform_points(instance.matrix, instance.mesh.positions)
    return (placed.min(axis=0) + placed.max(axis=0)) / 2


def size(scene: Scene) -> np.ndarray:
    low, high = scene.bounds()
    return high - low


def test_model_is_placed_with_footprint_centred_and_lowest_point_on_the_ground() -> None:
    scene = make("""
        parts:
          - {shape: box, size: [2, 1, 4], at: [10, -3, 5]}
          - {shape: sphere, radius: 0.5, at: [13, 0, 5]}
        """)
    low, high = scene.bounds()
    assert low[1] == pytest.approx(0, abs=1e-9)
    assert (low[0] + high[0]) / 2 == pytest.approx(0, abs=1e-9)
    assert (low[2] + high[2]) / 2 == pytest.approx(0, abs=1e-9)
    assert high - low == pytest.approx([4.5, 4.0, 4.0], abs=1e-3)


def test_positive_ry_turns_the_front_towards_plus_x() -> None:
    scene = make("""
        components:
          arrow:
            - {name: base, shape: box, size: [0.2, 0.2, 0.2]}
            - {name: tip, shape: box, size: [0.2, 0.2, 0.2], at: [0, 0, 1]}
        parts:
          - {name: a, use: arrow, rotate: [0, 90, 0]}
        """)
    direction = centre(scene, "a/tip") - centre(scene, "a/base")
    assert direction == pytest.approx([1.0, 0.0, 0.0], abs=1e-9)


def test_rotation_order_is_z_after_y_after_x_about_fixed_axes() -> None:
    # Rx(90) sends +Z to -Y; then Rz(90) sends -Y to +X.
    scene = make("""
        components:
          arrow:
            - {name: base, shape: box, size: [0.2, 0.2, 0.2]}
            - {name: tip, shape: box, size: [0.2, 0.2, 0.2], at: [0, 0, 1]}
        parts:
          - {name: a, use: arrow, rotate: [90, 0, 90]}
        """)
    direction = centre(scene, "a/tip") - centre(scene, "a/base")
    assert direction == pytest.approx([1.0, 0.0, 0.0], abs=1e-9)


def test_scale_acts_about_the_parts_own_origin_before_translation() -> None:
    scene = make("""
        parts:
          - {name: ref, shape: box, size: [1, 1, 1]}
          - {name: big, shape: box, size: [1, 1, 1], at: [5, 0, 0], scale: [2, 3, 1]}
        """)
    assert centre(scene, "big")[0] - centre(scene, "ref")[0] == pytest.approx(5.0)
    assert size(scene)[1] == pytest.approx(3.0)


def test_count_repeat_places_copies_by_step_and_names_them_with_i() -> None:
    scene = make("""
        parts:
          - {name: post, shape: box, size: [0.1, =1 + i, 0.1], at: [1, 0, 0],
             repeat: {count: 3, step: [2, 0, 0]}}
        """)
    names = [instance.name for instance in scene.instances]
    assert names == ["post_0", "post_1", "post_2"]
    assert centre(scene, "post_2")[0] - centre(scene, "post_0")[0] == pytest.approx(4.0)
    assert size(scene)[1] == pytest.approx(3.0)  # the tallest copy, i = 2


def test_grid_repeat_gives_i_along_x_and_j_along_z() -> None:
    scene = make("""
        parts:
          - {name: tree, shape: box, size: [0.5, 1, 0.5],
             repeat: {grid: {nx: 3, nz: 2, dx: 4, dz: 5}}}
        """)
    assert len(scene.instances) == 6
    delta = centre(scene, "tree_2_1") - centre(scene, "tree_0_0")
    assert delta == pytest.approx([8.0, 0.0, 5.0])


def test_ring_repeat_turns_each_copy_to_face_away_from_the_centre() -> None:
    scene = make("""
        components:
          seat:
            - {name: back, shape: box, size: [0.2, 0.2, 0.2]}
            - {name: front, shape: box, size: [0.2, 0.2, 0.2], at: [0, 0, 0.5]}
        parts:
          - {name: hub, shape: box, size: [0.1, 0.1, 0.1]}
          - {name: s, use: seat, repeat: {ring: {count: 4, radius: 3}}}
        """)
    hub = centre(scene, "hub")
    for i in range(4):
        back = centre(scene, f"s_{i}/back")
        facing = centre(scene, f"s_{i}/front") - back
        outward = back - hub
        assert np.linalg.norm(outward) == pytest.approx(3.0)
        assert np.dot(facing / np.linalg.norm(facing), outward / 3.0) == pytest.approx(1.0)
    assert centre(scene, "s_1/back") - hub == pytest.approx([3.0, 0.0, 0.0], abs=1e-9)


def test_component_parts_see_the_use_sites_loop_variable_and_inner_i_hides_outer() -> None:
    scene = make("""
        components:
          row:
            - {name: cell, shape: box, size: [0.1, 0.1, 0.1], at: [0, 0, =i * 10],
               repeat: {count: 2, step: [1, 0, 0]}}
          tagged:
            - {name: mark, shape: box, size: [0.1, =1 + i, 0.1]}
        parts:
          - {name: r, use: row, repeat: {count: 2, step: [0, 0, 100]}}
          - {name: t, use: tagged, at: [50, 0, 0], repeat: {count: 3, step: [1, 0, 0]}}
        """)
    # The inner repeat's i (0, 1) sets z, not the outer one's.
    assert centre(scene, "r_1/cell_1")[2] - centre(scene, "r_1/cell_0")[2] == pytest.approx(10.0)
    assert centre(scene, "r_1/cell_0")[2] - centre(scene, "r_0/cell_0")[2] == pytest.approx(100.0)
    heights = {
        i.name: np.ptp(transform_points(i.matrix, i.mesh.positions)[:, 1])
        for i in scene.instances
        if i.name.startswith("t_")
    }
    assert heights == pytest.approx({"t_0/mark": 1.0, "t_1/mark": 2.0, "t_2/mark": 3.0})


def test_use_part_material_is_the_default_for_component_parts_naming_none() -> None:
    scene = make("""
        components:
          bench:
            - {name: seat, shape: box, size: [1, 0.1, 0.4]}
            - {name: leg, shape: box, size: [0.1, 0.4, 0.4], material: concrete}
        parts:
          - {name: b, use: bench, material: wood}
          - {name: plain, shape: box, size: [1, 1, 1], at: [3, 0, 0]}
        """)
    materials = {instance.name: instance.material for instance in scene.instances}
    assert materials == {"b/seat": "wood", "b/leg": "concrete", "plain": "neutral-grey"}
    assert set(scene.materials) == {"wood", "concrete", "neutral-grey"}


def test_template_material_overrides_a_library_preset_and_takes_an_expression_colour() -> None:
    scene = make("""
        params:
          accent: {type: color, default: "#ff0000"}
        materials:
          wood: {color: =accent, metallic: 0.5}
        parts:
          - {shape: box, size: [1, 1, 1], material: wood}
        """)
    wood = scene.materials["wood"]
    assert wood.base_color == pytest.approx((1.0, 0.0, 0.0, 1.0))
    assert wood.metallic == pytest.approx(0.5)


def test_material_chosen_by_a_choice_parameter() -> None:
    body = """
        params:
          surface: {type: choice, options: [wood, concrete], default: wood}
        parts:
          - {shape: box, size: [1, 1, 1], material: =surface}
        """
    assert make(body, {"surface": "concrete"}).instances[0].material == "concrete"


def test_if_false_leaves_the_part_out_and_sees_the_loop_variable() -> None:
    scene = make("""
        params:
          bench: {type: boolean, default: false}
        parts:
          - {name: pad, shape: box, size: [1, 1, 1]}
          - {name: bench, shape: box, size: [1, 1, 1], if: =bench}
          - {name: odd, shape: box, size: [1, 1, 1], if: =i % 2 == 1,
             repeat: {count: 5, step: [2, 0, 0]}}
        """)
    assert [i.name for i in scene.instances] == ["pad", "odd_1", "odd_3"]


def test_repeated_parts_share_one_mesh() -> None:
    scene = make("""
        parts:
          - {shape: cylinder, radius: 0.1, height: 2, repeat: {count: 20, step: [1, 0, 0]}}
        """)
    assert len({id(instance.mesh) for instance in scene.instances}) == 1


def test_every_failing_check_is_reported_in_the_requested_language() -> None:
    body = """
        params:
          h: {type: length, min: 0, max: 5, default: 4}
        checks:
          - {assert: =h < 3, message: {fi: Liian korkea, sv: För hög, en: Too high}}
          - {assert: =h < 2, message: {en: Far too high}}
          - {assert: =h > 1, message: {en: Too low}}
        parts:
          - {shape: box, size: [1, =h, 1]}
        """
    with pytest.raises(BuildError) as caught:
        make(body)
    items = caught.value.items
    assert [item.loc for item in items] == ["checks[0]", "checks[1]"]
    assert [item.message("fi") for item in items] == ["Liian korkea", "Far too high"]
    assert items[0].message("sv") == "För hög"


def test_an_expression_that_fails_on_these_values_names_its_place() -> None:
    body = """
        params:
          n: {type: integer, min: 0, max: 3, default: 0}
        parts:
          - {shape: box, size: [=1 / n, 1, 1]}
        """
    with pytest.raises(BuildError) as caught:
        make(body)
    assert caught.value.items[0].loc == "parts[0].size[0]"


def test_a_shape_refusing_its_arguments_names_the_part_and_key() -> None:
    with pytest.raises(BuildError) as caught:
        make("parts:\n  - {shape: box, size: [1, 1, 1]}\n  - {shape: sphere, radius: -1}\n")
    assert caught.value.items[0].loc.startswith("parts[1].radius")


def test_repeat_count_from_an_expression_past_the_limit_is_refused() -> None:
    body = """
        params:
          n: {type: integer, default: 1001}
        parts:
          - {shape: box, size: [1, 1, 1], repeat: {count: =n, step: [1, 0, 0]}}
        """
    with pytest.raises(BuildError) as caught:
        make(body)
    assert caught.value.items[0].loc == "parts[0].repeat.count"
    assert "1000" in caught.value.items[0].message("en")


def test_nested_repeats_past_the_node_limit_stop_before_any_geometry(monkeypatch: Any) -> None:
    from arservice.parametric import generator

    built: list[str] = []
    original = generator.shapes.build_shape
    monkeypatch.setattr(
        generator.shapes, "build_shape", lambda s, a: built.append(s) or original(s, a)
    )
    generator._shape_mesh.cache_clear()
    body = """
        components:
          a:
            - {shape: box, size: [0.5, 0.5, 0.5], repeat: {count: 1000, step: [1, 0, 0]}}
          b:
            - {use: a, repeat: {count: 1000, step: [0, 0, 1]}}
        parts:
          - {use: b, repeat: {count: 1000, step: [0, 1, 0]}}
        """
    with pytest.raises(BuildError) as caught:
        make(body)
    assert "5000" in caught.value.items[0].message("en")
    assert built == []


def test_a_model_past_the_triangle_limit_is_refused_before_geometry() -> None:
    body = """
        parts:
          - {shape: sphere, radius: 0.1, repeat: {count: 1000, step: [1, 0, 0]}}
        """
    with pytest.raises(BuildError) as caught:
        make(body)
    assert "triangles" in caught.value.items[0].message("en")


def test_more_than_ten_materials_is_refused() -> None:
    materials = "\n".join(f"  m{k}: {{color: '#10{k:02d}10'}}" for k in range(11))
    parts = "\n".join(
        f"  - {{shape: box, size: [1, 1, 1], at: [{k}, 0, 0], material: m{k}}}" for k in range(11)
    )
    with pytest.raises(BuildError) as caught:
        make(f"materials:\n{materials}\nparts:\n{parts}\n")
    assert "materials" in caught.value.items[0].message("en")


def test_bad_parameter_values_are_all_refused_at_once() -> None:
    body = """
        params:
          n: {type: integer, min: 1, max: 8, default: 3}
          c: {type: color, default: "#000000"}
        parts:
          - {shape: box, size: [1, 1, 1]}
        """
    with pytest.raises(ParameterError) as caught:
        make(body, {"n": 9, "c": "red", "m": 1})
    locs = sorted(item.loc for item in caught.value.items)
    assert locs == ["c", "m", "n"]


def test_description_is_filled_with_values_and_decimal_commas() -> None:
    scene = make(
        """
        description: {fi: "Leveys {w} m", en: "Width {w} m, {n} stations"}
        params:
          n: {type: integer, default: 4}
        let:
          w: =n * 1.4 + 2
        parts:
          - {shape: box, size: [=w, 1, 1]}
        """
    )
    assert scene.info.description == {"fi": "Leveys 7,6 m", "en": "Width 7.6 m, 4 stations"}
    assert scene.info.params == {"n": 4}


def test_a_choice_in_a_description_reads_as_its_option_label_in_that_language() -> None:
    body = """
        description: {fi: "Alusta {surface}", sv: "Underlag {surface}", en: "A {surface} pad"}
        params:
          surface:
            type: choice
            options: [rubber, grass]
            default: rubber
            option_labels:
              rubber: {fi: kumirouhe, en: rubber crumb}
        parts:
          - {shape: box, size: [1, 1, 1], material: wood}
        """
    labelled = make(body).info.description
    # Swedish has no label: the option itself; an option with no label at all likewise.
    assert labelled == {
        "fi": "Alusta kumirouhe",
        "sv": "Underlag rubber",
        "en": "A rubber crumb pad",
    }
    assert make(body, {"surface": "grass"}).info.description["fi"] == "Alusta grass"


def test_a_material_that_looks_like_one_already_used_costs_no_extra_draw_call() -> None:
    scene = make("""
        params:
          accent: {type: color, default: "#9a9a96"}
        materials:
          frame: {color: =accent}
        parts:
          - {name: slab, shape: box, size: [2, 0.1, 2], material: concrete}
          - {name: post, shape: box, size: [0.1, 2, 0.1], material: frame}
        """)
    assert set(scene.materials) == {"concrete"}
    assert [i.material for i in scene.instances] == ["concrete", "concrete"]
    other = make(
        """
        params:
          accent: {type: color, default: "#9a9a96"}
        materials:
          frame: {color: =accent}
        parts:
          - {name: slab, shape: box, size: [2, 0.1, 2], material: concrete}
          - {name: post, shape: box, size: [0.1, 2, 0.1], material: frame}
        """.replace("#9a9a96", "#ff0000")
    )
    assert set(other.materials) == {"concrete", "frame"}
