/*
 * probe_fma.comp — the device's multiply-add ceiling (asr_engine_probe_ceiling()).
 *
 * Operation: each invocation runs `iters` iterations of ASR_PROBE_CHAINS
 *   independent multiply-add chains held in registers, acc[k] = fma(acc[k],
 *   a, b) (no memory access in the loop), then writes the sum of its
 *   accumulators once, to out[global index], so that nothing is optimised
 *   away. Multiply-adds per invocation: iters x ASR_PROBE_CHAINS x LANES
 *   (fp32: scalar chains, LANES 1; ASR_PROBE_FP16: f16vec2 chains, LANES 2,
 *   the packed form fp16 hardware runs at its full rate).
 *   Variants: probe_fma_f32a, and probe_fma_f16a (fp16 arithmetic, built
 *   with ASR_PROBE_FP16), which needs shaderFloat16.
 * Bindings: 0 = writeonly float out[] (one value per invocation)
 * Push constants: uint iters; float a; float b (a < 1: the chains converge,
 *   no overflow in fp16 either).
 * Specialization constants: 0, 1 = workgroup size (local_x x local_y).
 * Dispatch: groups x 1 x 1 (enough workgroups to fill every core).
 */
#version 450
#ifdef ASR_PROBE_FP16
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#define T f16vec2
#define MAKE(v) f16vec2(float16_t(v), float16_t((v) * 0.5))
#define SUM(v) (float((v).x) + float((v).y))
#else
#define T float
#define MAKE(v) float(v)
#define SUM(v) (v)
#endif

#define ASR_PROBE_CHAINS 16

layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z = 1) in;

layout(std430, binding = 0) writeonly buffer Out { float dst[]; };
layout(push_constant) uniform Push { uint iters; float a; float b; } p;

void main()
{
    uint gid = gl_GlobalInvocationID.x;
    float seed = float(gid & 255u) * (1.0 / 256.0);
    T a = MAKE(p.a), b = MAKE(p.b);
    T acc[ASR_PROBE_CHAINS];
    for (int k = 0; k < ASR_PROBE_CHAINS; k++)
        acc[k] = MAKE(seed + float(k) * (1.0 / 32.0));
    for (uint i = 0u; i < p.iters; i++) {
        acc[0] = fma(acc[0], a, b);
        acc[1] = fma(acc[1], a, b);
        acc[2] = fma(acc[2], a, b);
        acc[3] = fma(acc[3], a, b);
        acc[4] = fma(acc[4], a, b);
        acc[5] = fma(acc[5], a, b);
        acc[6] = fma(acc[6], a, b);
        acc[7] = fma(acc[7], a, b);
        acc[8] = fma(acc[8], a, b);
        acc[9] = fma(acc[9], a, b);
        acc[10] = fma(acc[10], a, b);
        acc[11] = fma(acc[11], a, b);
        acc[12] = fma(acc[12], a, b);
        acc[13] = fma(acc[13], a, b);
        acc[14] = fma(acc[14], a, b);
        acc[15] = fma(acc[15], a, b);
    }
    float s = 0.0;
    for (int k = 0; k < ASR_PROBE_CHAINS; k++)
        s += SUM(acc[k]);
    dst[gid] = s;
}
