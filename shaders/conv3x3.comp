/*
 * conv3x3.comp — 3x3 convolution, zero padding 1, on prefix-sliced channels,
 * over one band of rows of a feature map.
 *
 * Operation: for output channel co < c_out and pixel (x, y), y in [y0, y0 + rows):
 *   out[co](x,y) = bias[co] + sum_{ci < c_in} sum_{ky,kx} W[co,ci,ky,kx] * pre(in[ci](x+kx-1, y+ky-1))
 *   (+ res[co](x,y) when flags has ASR_CONV_ADD_RES)
 *   (+ head[co](x,y) with ASR_CONV_ADD_HEAD: hb[co] + sum_{ci < 3, ky, kx}
 *   hw[co,ci,ky,kx] * image[ci](x+kx-1, y+ky-1), the network's head conv
 *   recomputed from the LR image, summed in the order the head pass sums),
 *   zero outside the
 *   width x height map (not outside the band: the input window holds the
 *   rows above and below it).
 *   pre(v) = v, or max(v * att[att_off + ci], 0) with ASR_CONV_PRE_SA_RELU
 *   (the block's scale attention and ReLU, fused on load).
 *   W is the full-layout OIHW tensor at w_off with cin_stride input
 *   channels, so one pipeline serves every width: c_in, c_out are push
 *   constants. res may alias out (each invocation reads its own element
 *   before writing it); in must not.
 * Layout: in, out, res are feature maps (params.h: NHWC with channel stride
 *   cs, element (y * width + x) * cs + ch - *_base, ACT_T of act.h); with
 *   ASR_CONV_IN_IMAGE the input is the planar float LR image of binding 5
 *   (channel ci at ci * plane + y * width + x) and binding 0 is not read;
 *   ASR_CONV_ADD_HEAD reads the image there too.
 * Bindings: 0 = readonly ACT_T in[], 1 = ACT_T out[], 2 = readonly ACT_T res[],
 *           3 = readonly float weights[], 4 = readonly float att[],
 *           5 = readonly float image[]
 * Push constants: AsrConvParams (params.h).
 * Specialization constants: 0, 1 = workgroup size (must be ASR_CONV_TILE).
 * Dispatch: ceil(width / 8) x ceil(rows / 8) x ceil(c_out / ASR_CONV_COB);
 *   an invocation computes ASR_CONV_COB output channels of one pixel from
 *   input tiles (and weights) staged in shared memory ASR_CONV_CIB channels
 *   at a time.
 */
#version 450
#extension GL_GOOGLE_include_directive : require
#include "params.h"
#include "act.h"

layout(local_size_x = ASR_CONV_TILE, local_size_y = ASR_CONV_TILE, local_size_z = 1) in;

layout(std430, binding = 0) readonly buffer In { ACT_T src[]; };
layout(std430, binding = 1) buffer Out { ACT_T dst[]; };
layout(std430, binding = 2) readonly buffer Res { ACT_T res[]; };
layout(std430, binding = 3) readonly buffer Weights { float wt[]; };
layout(std430, binding = 4) readonly buffer Att { float att[]; };
layout(std430, binding = 5) readonly buffer Image { float img[]; };
layout(push_constant) uniform Push { AsrConvParams p; };

const uint TW = ASR_CONV_TILE + 2u;
const uint TILE = TW * TW;
shared float s_in[ASR_CONV_CIB * TILE];
shared float s_w[ASR_CONV_COB * ASR_CONV_CIB * 9];

void main()
{
    uint lx = gl_LocalInvocationID.x, ly = gl_LocalInvocationID.y;
    uint lid = ly * ASR_CONV_TILE + lx;
    int x0 = int(gl_WorkGroupID.x * ASR_CONV_TILE);
    int y0 = int(p.y0 + gl_WorkGroupID.y * ASR_CONV_TILE);
    int y_end = int(p.y0 + p.rows);
    uint co0 = gl_WorkGroupID.z * ASR_CONV_COB;
    uint x = uint(x0) + lx, y = uint(y0) + ly;
    bool image = (p.flags & ASR_CONV_IN_IMAGE) != 0u;

    float acc[ASR_CONV_COB];
    for (uint o = 0u; o < ASR_CONV_COB; o++)
        acc[o] = 0.0;

    for (uint ci0 = 0u; ci0 < p.c_in; ci0 += ASR_CONV_CIB) {
        barrier();
        for (uint i = lid; i < ASR_CONV_CIB * TILE; i += ASR_CONV_TILE * ASR_CONV_TILE) {
            uint ch = i / TILE, r = i - ch * TILE;
            int ty = int(r / TW), tx = int(r - uint(ty) * TW);
            int gx = x0 + tx - 1, gy = y0 + ty - 1;
            uint ci = ci0 + ch;
            float v = 0.0;
            /* rows past the band's end + 1 are never needed (and not bound) */
            if (ci < p.c_in && gx >= 0 && gy >= 0 && gx < int(p.width) && gy < int(p.height) &&
                gy <= y_end) {
                uint pix = uint(gy) * p.width + uint(gx);
                if (image) {
                    v = img[ci * p.plane + pix];
                } else {
                    v = act_load(src[pix * p.cs + ci - p.in_base]);
                    if ((p.flags & ASR_CONV_PRE_SA_RELU) != 0u)
                        v = max(v * att[p.att_off + ci], 0.0);
                }
            }
            s_in[i] = v;
        }
        for (uint i = lid; i < ASR_CONV_COB * ASR_CONV_CIB * 9u; i += ASR_CONV_TILE * ASR_CONV_TILE) {
            uint o = i / (ASR_CONV_CIB * 9u), r = i - o * (ASR_CONV_CIB * 9u);
            uint ch = r / 9u, k = r - ch * 9u;
            uint co = co0 + o, ci = ci0 + ch;
            s_w[i] = (co < p.c_out && ci < p.c_in) ? wt[p.w_off + (co * p.cin_stride + ci) * 9u + k] : 0.0;
        }
        barrier();
        uint nch = min(ASR_CONV_CIB, p.c_in - ci0);
        for (uint ch = 0u; ch < nch; ch++) {
            for (uint ky = 0u; ky < 3u; ky++) {
                for (uint kx = 0u; kx < 3u; kx++) {
                    float v = s_in[ch * TILE + (ly + ky) * TW + lx + kx];
                    uint k = ch * 9u + ky * 3u + kx;
                    for (uint o = 0u; o < ASR_CONV_COB; o++)
                        acc[o] += s_w[o * (ASR_CONV_CIB * 9u) + k] * v;
                }
            }
        }
    }

    if (x >= p.width || int(y) >= y_end)
        return;
    uint pix = y * p.width + x;
    for (uint o = 0u; o < ASR_CONV_COB; o++) {
        uint co = co0 + o;
        if (co >= p.c_out)
            break;
        float v = acc[o] + wt[p.b_off + co];
        if ((p.flags & ASR_CONV_ADD_HEAD) != 0u) {
            float h = 0.0;
            for (uint ci = 0u; ci < 3u; ci++) {
                for (uint ky = 0u; ky < 3u; ky++) {
                    for (uint kx = 0u; kx < 3u; kx++) {
                        int gx = int(x + kx) - 1, gy = int(y + ky) - 1;
                        float s = 0.0;
                        if (gx >= 0 && gy >= 0 && gx < int(p.width) && gy < int(p.height))
                            s = img[ci * p.plane + uint(gy) * p.width + uint(gx)];
                        h += wt[p.hw_off + (co * 3u + ci) * 9u + ky * 3u + kx] * s;
                    }
                }
            }
            v += h + wt[p.hb_off + co];
        }
        if ((p.flags & ASR_CONV_ADD_RES) != 0u)
            v += act_load(res[pix * p.cs + co - p.res_base]);
        dst[pix * p.cs + co - p.out_base] = act_store(v);
    }
}
