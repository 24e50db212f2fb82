"""GLSL 3.30 programs of the preview renderer.

- ``MODEL``: a model's surfaces in linear light: a key light with soft shadow-mapped shadows, a
  sky/ground hemisphere for the ambient, Blinn-Phong highlights and a studio-like environment
  reflection weighted by Fresnel and metalness, so metals stay metallic rather than black. The
  result goes through the Khronos PBR Neutral tone mapper (what model-viewer shows by default:
  base colours come out as themselves) and the sRGB transfer function, premultiplied by opacity.
- ``GROUND``: the ground (y = 0) under the model and its shadow, drawn behind the model: the key
  light's shadow and a blurred contact shadow from two top-down ground maps, fading to exactly
  the background colour (the clear colour elsewhere), so ground and backdrop are one seamless
  surface.
- ``KEY_MAP``: the key light's soft shadow on the ground, as a top-down map (16 shadow-map taps
  per texel once, instead of per pixel of the picture).
- ``DEPTH``: the key light's shadow map.
- ``CONTACT``: a top-down map of how close the model comes to each point of the ground.

``FULL_SCREEN_VERTEX`` draws one triangle that covers the whole target, for ``KEY_MAP``.
"""

from __future__ import annotations

_SHADOW = """
uniform sampler2DShadow u_shadow;
uniform mat4 u_light_matrix;
uniform float u_shadow_radius;  // in shadow-map texture coordinates
uniform float u_normal_offset;  // metres

const vec2 DISC[16] = vec2[](
    vec2(-0.9420, -0.3991), vec2(0.9456, -0.7689), vec2(-0.0942, -0.9294),
    vec2(0.3450, 0.2939), vec2(-0.9159, 0.4577), vec2(-0.8154, -0.8791),
    vec2(-0.3828, 0.2768), vec2(0.9748, 0.7565), vec2(0.4432, -0.9751),
    vec2(0.5374, -0.4737), vec2(-0.2650, -0.4189), vec2(0.7920, 0.1909),
    vec2(-0.2419, 0.9971), vec2(-0.8141, 0.9144), vec2(0.1998, 0.7864),
    vec2(0.1438, -0.1410)
);

// 1 where the key light reaches the point, 0 in full shadow, soft in between.
float light_reaches(vec3 position, vec3 normal, float radius) {
    vec4 clip = u_light_matrix * vec4(position + normal * u_normal_offset, 1.0);
    vec3 at = clip.xyz * 0.5 + 0.5;
    if (at.x < 0.0 || at.x > 1.0 || at.y < 0.0 || at.y > 1.0) {
        return 1.0;
    }
    at.z = min(at.z, 1.0);
    float sum = 0.0;
    for (int i = 0; i < 16; i++) {
        sum += texture(u_shadow, vec3(at.xy + DISC[i] * radius, at.z));
    }
    return sum / 16.0;
}
"""

_SRGB = """
vec3 to_srgb(vec3 linear) {
    vec3 c = clamp(linear, 0.0, 1.0);
    return mix(c * 12.92, 1.055 * pow(c, vec3(1.0 / 2.4)) - 0.055, step(0.0031308, c));
}
"""

MODEL_VERTEX = """#version 330
uniform mat4 u_view_projection;
in vec3 in_position;
in vec3 in_normal;
in vec2 in_uv;
out vec3 v_position;
out vec3 v_normal;
out vec2 v_uv;
void main() {
    v_position = in_position;
    v_normal = in_normal;
    v_uv = in_uv;
    gl_Position = u_view_projection * vec4(in_position, 1.0);
}
"""

MODEL_FRAGMENT = (
    """#version 330
uniform vec3 u_eye;
uniform vec3 u_light;  // unit, towards the key light
uniform vec4 u_base_color;  // linear
uniform float u_metallic;
uniform float u_roughness;
uniform bool u_textured;
uniform sampler2D u_texture;  // sRGB, decoded by the sampler
in vec3 v_position;
in vec3 v_normal;
in vec2 v_uv;
out vec4 f_color;
"""
    + _SHADOW
    + _SRGB
    + """
const vec3 KEY = vec3(0.90, 0.89, 0.87);
const vec3 SKY = vec3(0.34, 0.35, 0.37);
const vec3 BOUNCE = vec3(0.13, 0.125, 0.12);

vec3 environment(vec3 r) {
    vec3 below = vec3(0.40), horizon = vec3(0.80), above = vec3(0.98, 0.99, 1.0);
    if (r.y < 0.0) {
        return mix(horizon, below, smoothstep(0.0, 0.35, -r.y));
    }
    return mix(horizon, above, smoothstep(0.0, 0.6, r.y));
}

// Khronos PBR Neutral tone mapping.
vec3 tone_map(vec3 color) {
    const float start = 0.8 - 0.04;
    const float desaturation = 0.15;
    float x = min(color.r, min(color.g, color.b));
    float offset = x < 0.08 ? x - 6.25 * x * x : 0.04;
    color -= offset;
    float peak = max(color.r, max(color.g, color.b));
    if (peak < start) {
        return color;
    }
    const float d = 1.0 - start;
    float new_peak = 1.0 - d * d / (peak + d - start);
    color *= new_peak / peak;
    float g = 1.0 - 1.0 / (desaturation * (peak - new_peak) + 1.0);
    return mix(color, vec3(new_peak), g);
}

void main() {
    vec3 n = normalize(v_normal);
    if (!gl_FrontFacing) {
        n = -n;
    }
    vec3 v = normalize(u_eye - v_position);
    vec4 base = u_base_color;
    if (u_textured) {
        base *= texture(u_texture, v_uv);
    }
    float metallic = clamp(u_metallic, 0.0, 1.0);
    float rough = clamp(u_roughness, 0.08, 1.0);
    float n_l = max(dot(n, u_light), 0.0);
    float lit = n_l > 0.0 ? light_reaches(v_position, n, u_shadow_radius) : 0.0;
    vec3 f0 = mix(vec3(0.04), base.rgb, metallic);
    float n_v = max(dot(n, v), 0.0);
    vec3 fresnel = f0 + (max(vec3(1.0 - rough), f0) - f0) * pow(1.0 - n_v, 5.0);
    vec3 ambient = mix(BOUNCE, SKY, n.y * 0.5 + 0.5);
    vec3 diffuse = base.rgb * (1.0 - metallic) * (ambient + KEY * n_l * lit);
    vec3 h = normalize(u_light + v);
    float a = rough * rough;
    float shininess = clamp(2.0 / (a * a) - 2.0, 1.0, 400.0);
    float lobe = (shininess + 8.0) / 25.1327 * pow(max(dot(n, h), 0.0), shininess);
    vec3 highlight = fresnel * lobe * KEY * n_l * lit;
    vec3 reflected = mix(environment(reflect(-v, n)), vec3(0.68), rough);
    vec3 mirror = fresnel * reflected * mix(0.75, 1.0, lit);
    vec3 color = tone_map(diffuse + highlight + mirror);
    f_color = vec4(to_srgb(color) * base.a, base.a);
}
"""
)

FULL_SCREEN_VERTEX = """#version 330
in vec2 in_corner;
out vec2 v_ndc;
void main() {
    v_ndc = in_corner;
    gl_Position = vec4(in_corner, 1.0, 1.0);
}
"""

GROUND_VERTEX = """#version 330
uniform mat4 u_view_projection;
in vec2 in_ground;  // x, z on the ground
out vec2 v_ground;
void main() {
    v_ground = in_ground;
    gl_Position = u_view_projection * vec4(in_ground.x, 0.0, in_ground.y, 1.0);
}
"""

GROUND_FRAGMENT = (
    """#version 330
uniform vec3 u_background;  // linear
uniform bool u_transparent;
uniform sampler2D u_key_map;  // how much of the key light reaches the ground, 0..1
uniform sampler2D u_contact;
uniform vec4 u_ground_rect;  // x0, z0, 1 / width, 1 / depth of the ground maps
uniform float u_key_strength;
uniform float u_contact_strength;
in vec2 v_ground;
out vec4 f_color;
"""
    + _SRGB
    + """
void main() {
    vec2 uv = (v_ground - u_ground_rect.xy) * u_ground_rect.zw;
    float key = 1.0 - texture(u_key_map, uv).r;
    float contact = texture(u_contact, uv).r;
    float shade = 1.0 - (1.0 - u_key_strength * key) * (1.0 - u_contact_strength * contact);
    if (u_transparent) {
        f_color = vec4(0.0, 0.0, 0.0, shade);
    } else {
        f_color = vec4(to_srgb(u_background * (1.0 - shade)), 1.0);
    }
}
"""
)

KEY_MAP_FRAGMENT = (
    """#version 330
uniform vec4 u_rect;  // x0, z0, width, depth of the ground maps
uniform float u_ground_radius;
in vec2 v_ndc;
out float f_value;
"""
    + _SHADOW
    + """
void main() {
    vec2 uv = v_ndc * 0.5 + 0.5;
    vec3 ground = vec3(u_rect.x + uv.x * u_rect.z, 0.0, u_rect.y + uv.y * u_rect.w);
    f_value = light_reaches(ground, vec3(0.0, 1.0, 0.0), u_ground_radius);
}
"""
)

DEPTH_VERTEX = """#version 330
uniform mat4 u_light_matrix;
in vec3 in_position;
void main() {
    gl_Position = u_light_matrix * vec4(in_position, 1.0);
}
"""

DEPTH_FRAGMENT = """#version 330
void main() {
}
"""

CONTACT_VERTEX = """#version 330
uniform mat4 u_top_matrix;
in vec3 in_position;
out float v_height;
void main() {
    v_height = in_position.y;
    gl_Position = u_top_matrix * vec4(in_position, 1.0);
}
"""

CONTACT_FRAGMENT = """#version 330
uniform float u_reach;  // metres above the ground where the contact shadow fades out
uniform float u_opacity;
in float v_height;
out float f_value;
void main() {
    float near = clamp(1.0 - v_height / u_reach, 0.0, 1.0);
    f_value = u_opacity * near * near;
}
"""
