/*
 * bicubic.comp — one separable pass of Keys bicubic resampling (a = -0.5),
 * aligned with Pillow's Image.resize(BICUBIC) when upscaling.
 *
 * Operation: for destination position d along the pass axis,
 *   center = (d + 0.5) * inv_scale          (inv_scale = src / dst)
 *   window [max(int(center - 2 + 0.5), 0), min(int(center + 2 + 0.5), src))
 *   w(j)   = K(j - center + 0.5), renormalised by the sum over the window
 *   out    = sum_j w(j) * in(j)
 *   If quantize is set the result is clamped to [0,1] and rounded to
 *   quantize levels (255: Pillow keeps an 8-bit image between its two passes;
 *   1023 for the 10-bit formats).
 *   Every plane of the pixel (push constant planes) uses the same weights.
 * Bindings: 0 = readonly float src[] (planes src_plane_size apart)
 *           1 = writeonly float dst[] (planes dst_plane_size apart)
 * Push constants: AsrResampleParams (params.h).
 * Specialization constants: 0, 1 = workgroup size x, y;
 *   2 = axis (0 = horizontal: src_h == dst_h; 1 = vertical: src_w == dst_w).
 * Dispatch: ceil(dst_w / local_x) x ceil(dst_h / local_y) x 1, one invocation
 *   per destination pixel.
 */
#version 450
#extension GL_GOOGLE_include_directive : require
#include "params.h"

layout(local_size_x_id = ASR_SPEC_LOCAL_X, local_size_y_id = ASR_SPEC_LOCAL_Y, local_size_z = 1) in;
layout(constant_id = ASR_SPEC_AXIS) const uint AXIS = 0u;

layout(std430, binding = 0) readonly buffer Src { float src[]; };
layout(std430, binding = 1) writeonly buffer Dst { float dst[]; };
layout(push_constant) uniform Push { AsrResampleParams p; };

#define MAX_TAPS 5

float keys(float x)
{
    const float a = -0.5;
    x = abs(x);
    precise float r = 0.0;
    if (x < 1.0)
        r = ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
    else if (x < 2.0)
        r = (((x - 5.0) * x + 8.0) * x - 4.0) * a;
    return r;
}

void main()
{
    uint x = gl_GlobalInvocationID.x;
    uint y = gl_GlobalInvocationID.y;
    if (x >= p.dst_w || y >= p.dst_h)
        return;

    uint d = AXIS == 0u ? x : y;
    int src_len = int(AXIS == 0u ? p.src_w : p.src_h);
    precise float center = (float(d) + 0.5) * p.inv_scale;
    int jmin = max(int(center - 2.0 + 0.5), 0);
    int jmax = min(int(center + 2.0 + 0.5), src_len);
    int n = min(jmax - jmin, MAX_TAPS);

    float w[MAX_TAPS];
    precise float wsum = 0.0;
    for (int k = 0; k < MAX_TAPS; k++) {
        precise float t = float(jmin + k) - center + 0.5;
        w[k] = k < n ? keys(t) : 0.0;
        wsum += w[k];
    }

    /* element offset of tap 0 and distance between taps in the source */
    uint base = AXIS == 0u ? y * p.src_w + uint(jmin) : uint(jmin) * p.src_w + x;
    uint step = AXIS == 0u ? 1u : p.src_w;
    uint didx = y * p.dst_w + x;

    for (uint pl = 0u; pl < p.planes; pl++) {
        uint s = pl * p.src_plane_size + base;
        precise float acc = 0.0;
        for (int k = 0; k < n; k++)
            acc += w[k] * src[s + uint(k) * step];
        precise float v = acc / wsum;
        if (p.quantize != 0u)
            v = floor(clamp(v, 0.0, 1.0) * float(p.quantize) + 0.5) * p.inv_quantize;
        dst[pl * p.dst_plane_size + didx] = v;
    }
}
