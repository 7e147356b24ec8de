/*
 * conv3x3_coopmat.comp — the 3x3 convolution of conv3x3_simt.comp (same operation,
 * same bindings 0..5, same push constants AsrConvParams) as an implicit GEMM
 * on cooperative matrices (GL_KHR_cooperative_matrix, subgroup scope):
 *   M = pixels (TM consecutive pixels of one row per tile),
 *   N = output channels (TN per tile),
 *   K = 9 taps x c_in input channels (chunks of TK channels per tap),
 * fp16 A (the feature map, after pre()) and B (the weights, rounded to fp16
 * once at upload), fp32 accumulators. Feature maps must be fp16 (act.h with
 * ASR_ACT_FP16): the shader list builds it as conv3x3_coopmat_f16s only, and
 * only when meson's have_coopmat_shaders is true.
 *
 * Operation: exactly conv3x3_simt.comp's (see its header): out[co] = bias[co] +
 *   sum W * pre(in) (zero padding outside the map and the band's input
 *   window) (+ res with ASR_CONV_ADD_RES, res may alias out) (+ the head
 *   conv recomputed from the LR image with ASR_CONV_ADD_HEAD, in fp32 in the
 *   epilogue). ASR_CONV_IN_IMAGE (the head, c_in = 3) is not handled: the
 *   engine keeps conv3x3_simt.comp for it.
 * Workgroup: NSG * SG invocations (SG = the device's subgroup size, asked
 *   for as full subgroups of SG: a matrix operation takes every lane); it
 *   computes WX = NSG * TM pixels of one output row (y = y0 +
 *   gl_WorkGroupID.y) starting at x0 = gl_WorkGroupID.x * WX, and all
 *   NT * TN output channels (NT tiles of TN; tiles at or above c_out are
 *   skipped). Each subgroup takes M tiles gl_SubgroupID, + gl_NumSubgroups, ...
 * Staging (shared memory, once per workgroup): the input window, 3 rows x
 *   (WX + 2) pixels x CIP channels, float16, zero outside the map/window and
 *   for channels >= c_in, with pre() applied; the A tile of tap (ky, kx) and
 *   channel chunk kc is then a row-major TM x TK block at
 *   ((ky * (WX + 2) + m0 + kx) * CIP + kc * TK), stride CIP.
 * B: binding 6, the repacked fp16 weights of the layer at p.pad0 (wp_off):
 *   element (tap * CIP + ci) * COP + co (K x N row-major, stride COP =
 *   NT * TN), zero for ci >= cin_stride and co >= F.
 * Precision (SPLIT, the default): the weights are stored as fp16 pairs
 *   hi + lo (lo = fp16((W - hi) * 2^11), the layer's second block at
 *   + 9 * CIP * COP), and with PRE_SA_RELU the staged input too (pre() in
 *   fp32, then hi + lo the same way), so hi x hi + 2^-11 (hi x lo (+ lo x
 *   hi)) (the lo products in accumulators of their own) carry about 22 bits
 *   of each factor, like the SIMT kernel's fp32 weights: 2 (conv1, tail) or
 *   3 (conv2) matrix products per tile instead of 1. Without SPLIT
 *   (ANYSR_CM_SPLIT=0): plain fp16 weights and inputs, one product.
 * Epilogue: each subgroup stores its accumulators to shared memory (fp32),
 *   then its lanes add bias, head and residual per element and store ACT_T.
 * Specialization constants: 0 = local size x (NSG * SG); ASR_SPEC_CM_TM,
 *   _TN, _TK = the cooperative-matrix shape (M, N, K); ASR_SPEC_CM_NSG = M
 *   tiles per workgroup; ASR_SPEC_CM_NT = N tiles (COP / TN); ASR_SPEC_CM_CIP
 *   = staged channels (F rounded up to TK); ASR_SPEC_CONV_FLAGS;
 *   ASR_SPEC_CM_SPLIT = SPLIT (bool, see Precision).
 * Dispatch: ceil(width / WX) x rows x 1 workgroups.
 */
#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#extension GL_KHR_cooperative_matrix : require
#extension GL_KHR_memory_scope_semantics : require
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#ifndef ASR_ACT_FP16
#error "conv3x3_coopmat.comp needs fp16 feature maps (ASR_ACT_FP16)"
#endif
#include "params.h"
#include "act.h"

layout(local_size_x_id = 0, local_size_y = 1, local_size_z = 1) in;
layout(constant_id = ASR_SPEC_CM_TM) const uint TM = 8u;
layout(constant_id = ASR_SPEC_CM_TN) const uint TN = 8u;
layout(constant_id = ASR_SPEC_CM_TK) const uint TK = 8u;
layout(constant_id = ASR_SPEC_CM_NSG) const uint NSG = 4u;
layout(constant_id = ASR_SPEC_CM_NT) const uint NT = 4u;
layout(constant_id = ASR_SPEC_CM_CIP) const uint CIP = 32u;
layout(constant_id = ASR_SPEC_CONV_FLAGS) const uint FLAGS = 0u;
layout(constant_id = ASR_SPEC_CM_SPLIT) const bool SPLIT = true;

layout(std430, binding = 0) readonly buffer In { ACT_T src[]; };
layout(std430, binding = 1) buffer Out { ACT_T dst[]; };
layout(std430, binding = 2) readonly buffer Res { ACT_T res[]; };
layout(std430, binding = 3) readonly buffer Weights { float wt[]; };
layout(std430, binding = 4) readonly buffer Att { float att[]; };
layout(std430, binding = 5) readonly buffer Image { float img[]; };
layout(std430, binding = 6) readonly buffer WPack { float16_t wp[]; };
layout(push_constant) uniform Push { AsrConvParams p; };

const uint WX = NSG * TM;
const uint NX = WX + 2u;
const uint COP = NT * TN;
/* SPLIT: the lo parts are stored times 2^11 (no fp16 subnormals) and summed
 * in accumulators of their own, scaled back at the end */
const float LO_SCALE = 2048.0;

shared float16_t sa[3u * NX * CIP];
/* SPLIT with PRE_SA_RELU: the rounding residue of pre() (fp32 - fp16);
 * unused (and dropped by the compiler) otherwise */
shared float16_t sa_lo[3u * NX * CIP];
shared float sc[NSG * TM * COP];

#define MAT_A coopmat<float16_t, gl_ScopeSubgroup, TM, TK, gl_MatrixUseA>
#define MAT_B coopmat<float16_t, gl_ScopeSubgroup, TK, TN, gl_MatrixUseB>
#define MAT_C coopmat<float, gl_ScopeSubgroup, TM, TN, gl_MatrixUseAccumulator>

void main()
{
    uint x0 = gl_WorkGroupID.x * WX;
    uint y = p.y0 + gl_WorkGroupID.y;
    int y_end = int(p.y0 + p.rows);
    uint nloc = gl_WorkGroupSize.x;
    bool sa_relu = (FLAGS & ASR_CONV_PRE_SA_RELU) != 0u;

    /* stage the window: element (ky, j, c) = pre(in[c](x0 + j - 1, y + ky - 1)) */
    for (uint e = gl_LocalInvocationID.x; e < 3u * NX * CIP; e += nloc) {
        uint c = e % CIP;
        uint j = (e / CIP) % NX;
        uint ky = e / (CIP * NX);
        int gx = int(x0 + j) - 1;
        int gy = int(y + ky) - 1;
        float v = 0.0;
        if (c < p.c_in && gx >= 0 && gx < int(p.width) && gy >= 0 && gy < int(p.height) &&
            gy <= y_end) {
            v = act_load(src[(uint(gy) * p.width + uint(gx)) * p.cs + c - p.in_base]);
            if (sa_relu)
                v = max(v * att[p.att_off + c], 0.0);
        }
        if (SPLIT && sa_relu) {
            /* hi = v with its mantissa cut to fp16's 10 bits (exact in fp16;
             * integer masking, so that no compiler folds the round trip
             * float(float16_t(v)) back to v), lo = the rest times 2^11 (no
             * fp16 subnormals, which may be flushed) */
            float hi = uintBitsToFloat(floatBitsToUint(v) & 0xffffe000u);
            sa[e] = float16_t(hi);
            sa_lo[e] = float16_t((v - hi) * LO_SCALE);
        } else {
            sa[e] = float16_t(v);
        }
    }
    barrier();

    uint kchunks = (p.c_in + TK - 1u) / TK;
    uint ntiles = (p.c_out + TN - 1u) / TN;
    for (uint mt = gl_SubgroupID; mt < NSG; mt += gl_NumSubgroups) {
        MAT_C acc[NT], acc_lo[NT];
        [[unroll]] for (uint nt = 0u; nt < NT; nt++) {
            acc[nt] = MAT_C(0.0);
            acc_lo[nt] = MAT_C(0.0);
        }
        for (uint kc = 0u; kc < kchunks; kc++) {
            [[unroll]] for (uint tap = 0u; tap < 9u; tap++) {
                uint ky = tap / 3u, kx = tap % 3u;
                MAT_A a, alo;
                uint aoff = (ky * NX + mt * TM + kx) * CIP + kc * TK;
                coopMatLoad(a, sa, aoff, CIP, gl_CooperativeMatrixLayoutRowMajor);
                if (SPLIT && sa_relu)
                    coopMatLoad(alo, sa_lo, aoff, CIP, gl_CooperativeMatrixLayoutRowMajor);
                uint brow = p.pad0 + (tap * CIP + kc * TK) * COP;
                [[unroll]] for (uint nt = 0u; nt < NT; nt++) {
                    if (nt < ntiles) {
                        MAT_B b;
                        coopMatLoad(b, wp, brow + nt * TN, COP, gl_CooperativeMatrixLayoutRowMajor);
                        if (SPLIT) {
                            /* the weights' residue: (a + alo) x (b + blo) but alo x blo */
                            MAT_B blo;
                            coopMatLoad(blo, wp, brow + 9u * CIP * COP + nt * TN, COP,
                                        gl_CooperativeMatrixLayoutRowMajor);
                            acc_lo[nt] = coopMatMulAdd(a, blo, acc_lo[nt]);
                            if (sa_relu)
                                acc_lo[nt] = coopMatMulAdd(alo, b, acc_lo[nt]);
                        }
                        acc[nt] = coopMatMulAdd(a, b, acc[nt]);
                    }
                }
            }
        }
        [[unroll]] for (uint nt = 0u; nt < NT; nt++) {
            if (SPLIT)
                acc[nt] = acc[nt] + acc_lo[nt] * (1.0 / LO_SCALE);
            coopMatStore(acc[nt], sc, mt * TM * COP + nt * TN, COP,
                         gl_CooperativeMatrixLayoutRowMajor);
        }
        subgroupMemoryBarrierShared();
        subgroupBarrier();

        /* epilogue: this subgroup's TM x c_out elements */
        uint n = TM * COP;
        for (uint e = gl_SubgroupInvocationID; e < n; e += gl_SubgroupSize) {
            uint m = e / COP, co = e % COP;
            uint x = x0 + mt * TM + m;
            if (co >= p.c_out || x >= p.width || int(y) >= y_end)
                continue;
            uint q = y * p.width + x;
            float v = sc[mt * TM * COP + e] + wt[p.b_off + co];
            if ((FLAGS & ASR_CONV_ADD_HEAD) != 0u) {
                /* the head conv at (x, y), summed as the head pass sums */
                float h = 0.0;
                [[unroll]] for (uint ci = 0u; ci < 3u; ci++)
                    [[unroll]] for (uint ky = 0u; ky < 3u; ky++) {
                        int gy = int(y + ky) - 1;
                        [[unroll]] for (uint kx = 0u; kx < 3u; kx++) {
                            int gx = int(x + kx) - 1;
                            if (gy >= 0 && gy < int(p.height) && gx >= 0 && gx < int(p.width))
                                h += wt[p.hw_off + co * 27u + ci * 9u + ky * 3u + kx] *
                                     img[ci * p.plane + uint(gy) * p.width + uint(gx)];
                        }
                    }
                v += h + wt[p.hb_off + co];
            }
            if ((FLAGS & ASR_CONV_ADD_RES) != 0u)
                v += act_load(res[q * p.cs + co - p.res_base]);
            dst[q * p.cs + co - p.out_base] = act_store(v);
        }
    }
}
