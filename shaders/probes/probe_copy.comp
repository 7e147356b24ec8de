/*
 * probe_copy.comp — the device's copy bandwidth (asr_engine_probe_ceiling()).
 *
 * Operation: dst[i] = src[i] for every vec4 i < n (one vec4 per
 *   invocation): n x 16 bytes read and n x 16 bytes written.
 * Bindings: 0 = readonly vec4 src[], 1 = writeonly vec4 dst[]
 * Push constants: uint n (vec4 elements), uint row (elements per row of
 *   workgroups: invocation (x, y) copies element y * row + x).
 * Specialization constants: 0, 1 = workgroup size (local_x x 1).
 * Dispatch: ceil(row / local_x) x ceil(n / row) x 1.
 */
#version 450

layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z = 1) in;

layout(std430, binding = 0) readonly buffer Src { vec4 src[]; };
layout(std430, binding = 1) writeonly buffer Dst { vec4 dst[]; };
layout(push_constant) uniform Push { uint n; uint row; } p;

void main()
{
    uint i = gl_GlobalInvocationID.y * p.row + gl_GlobalInvocationID.x;
    if (gl_GlobalInvocationID.x < p.row && i < p.n)
        dst[i] = src[i];
}
