/*
 * conv3x3_simt.comp — 3x3 convolution, zero padding 1, on prefix-sliced channels,
 * over one band of rows of a feature map: the SIMT kernel, register-blocked
 * (each invocation a row segment of PX pixels x COB output channels).
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
 *   constants. res may alias out (each invocation reads its own elements
 *   before writing them); in must not.
 *   Sums run over ci, then ky, then kx, in float (fp32 accumulation).
 * Layout: in, out, res are feature maps (params.h: NHWC with channel stride
 *   cs, element (y * width + x) * cs + ch - *_base, ACT_T of act.h); with
 *   ASR_CONV_IN_IMAGE the input is the planar float LR image of binding 5
 *   (channel ci at ci * plane + y * width + x) and binding 0 is not read;
 *   ASR_CONV_ADD_HEAD reads the image there too.
 * Bindings: 0 = readonly ACT_T in[], 1 = ACT_T out[], 2 = readonly ACT_T res[],
 *           3 = readonly float weights[], 4 = readonly float att[],
 *           5 = readonly float image[], 6 = unused (the coopmat kernel's),
 *           7 = readonly uint tiles[] (read by ASR_CONV_TILED roles only; every
 *           SIMT conv pipeline has the 8 bindings)
 * Push constants: AsrConvParams (params.h); its flags field is not read.
 * Specialization constants: 0, 1 = workgroup size LX x LY;
 *   ASR_SPEC_CONV_PX (2) = PX, pixels along x per invocation;
 *   ASR_SPEC_CONV_COB (3) = COB, output channels per invocation (a multiple of 8);
 *   ASR_SPEC_CONV_WSHARE (4) = WSHARE: 1 or 2: lane l of each 8 loads the
 *   weights of output channel co0 + l and subgroup broadcasts from lanes
 *   0..7 share them; 1 where the host knows every subgroup has lanes 0..7
 *   active (net.c conv_wshare()), 2 elsewhere: only in a subgroup whose
 *   lanes 0..7 are all active (a ballot says so once per invocation: a
 *   subgroup of fewer than 8 lanes, or the partial last subgroup of a
 *   workgroup that is not whole subgroups, or a device that varies its
 *   subgroup size, loads directly, so every workgroup size is correct);
 *   0: every invocation loads them at the same (workgroup-uniform) address;
 *   ASR_SPEC_CONV_FLAGS (5) = FLAGS, the ASR_CONV_* flags of the role (one
 *   pipeline per role, so the other roles' branches are compiled out).
 *   Every invocation of a workgroup works on the same COB output channels;
 *   no shared memory, no barriers; the PX x COB accumulators stay in
 *   registers and each input value loaded serves COB outputs, each weight
 *   PX pixels. Every lane stays active through the loops (broadcasts).
 *   ASR_CONV_TILED (spatial depth, docs/models.md#spatial-depth): the pixels are
 *   those of the tiles in a list of tiles[] (binding 7, params.h layout):
 *   workgroup x / gpt is the list entry start + (x / gpt) of this band
 *   (start = tiles[start_at]), x % gpt the workgroup's part of that tile:
 *   its invocation i computes segment i % segs (PX pixels) of tile row
 *   part * rows + i / segs (rows = LX * LY / segs); outputs outside the tile
 *   are not written. ASR_CONV_TILE_MASK: an input pixel whose tile has depth <= block
 *   reads as zero (like the padding).
 * Dispatch: ceil(width / (PX * LX)) x ceil(rows / LY) x ceil(c_out / COB)
 *   workgroups (src/net/net.c conv()); ASR_CONV_TILED: indirect, from
 *   tile_lists.comp: (entries x gpt) x 1 x ceil(c_out / COB).
 */
#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#extension GL_KHR_shader_subgroup_ballot : require
#include "params.h"
#include "act.h"

layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z = 1) in;
layout(constant_id = ASR_SPEC_CONV_PX) const uint PX = 4u;
layout(constant_id = ASR_SPEC_CONV_COB) const uint COB = 8u;

layout(std430, binding = 0) readonly buffer In { ACT_T src[]; };
layout(std430, binding = 1) buffer Out { ACT_T dst[]; };
layout(std430, binding = 2) readonly buffer Res { ACT_T res[]; };
layout(std430, binding = 3) readonly buffer Weights { float wt[]; };
layout(std430, binding = 4) readonly buffer Att { float att[]; };
layout(std430, binding = 5) readonly buffer Image { float img[]; };
layout(std430, binding = 7) readonly buffer Tiles { uint tiles[]; };
layout(push_constant) uniform Push { AsrConvParams p; };

layout(constant_id = ASR_SPEC_CONV_WSHARE) const uint WSHARE = 0u;
layout(constant_id = ASR_SPEC_CONV_FLAGS) const uint FLAGS = 0u;

const uint CB4 = COB / 4u;
const uint CB8 = (COB + 7u) / 8u;

/* Output channels 4 h .. 4 h + 3 of the 8 whose weights lanes 0..7 hold */
vec4 bcast4(float v, uint h)
{
    if (h == 0u)
        return vec4(subgroupBroadcast(v, 0u), subgroupBroadcast(v, 1u),
                    subgroupBroadcast(v, 2u), subgroupBroadcast(v, 3u));
    return vec4(subgroupBroadcast(v, 4u), subgroupBroadcast(v, 5u),
                subgroupBroadcast(v, 6u), subgroupBroadcast(v, 7u));
}
const uint NX = PX + 2u;

/* Per invocation: the NX input columns of the 3 rows around its pixels,
 * whether each is inside the map (and the band window), and its pixel index */
bool ok[3][NX];
uint pix[3][NX];  /* y * width + x */
uint elem[3][NX]; /* its element offset in the bound input window */

/* Add input channel ci (of the feature map, or with from_image of the LR
 * image) times the weights of output channels co0 .. co0 + COB - 1 to acc.
 * The weights of (co, ci) start at w_base + min(co, c_out - 1) * row + ci * 9. */
void accumulate(inout vec4 acc[PX][CB4], uint ci, bool from_image, bool sa, uint co0,
                uint w_base, uint row, bool share)
{
    float a = sa ? att[p.att_off + ci] : 1.0;
    /* WSHARE: lane l of each 8 loads the 9 weights of output channel
     * co0 + 8 m + l; the others get them by subgroup broadcast */
    float wl[CB8][9];
    if (share) {
        uint lane = gl_SubgroupInvocationID & 7u;
        [[unroll]] for (uint m = 0u; m < CB8; m++) {
            uint wr = w_base + min(co0 + 8u * m + lane, p.c_out - 1u) * row + ci * 9u;
            [[unroll]] for (uint k = 0u; k < 9u; k++)
                wl[m][k] = wt[wr + k];
        }
    }
    [[unroll]] for (uint ky = 0u; ky < 3u; ky++) {
        float v[NX];
        [[unroll]] for (uint j = 0u; j < NX; j++) {
            float s = 0.0;
            if (ok[ky][j]) {
                if (from_image) {
                    s = img[ci * p.plane + pix[ky][j]];
                } else {
                    s = act_load(src[elem[ky][j] + ci]);
                    if (sa)
                        s = max(s * a, 0.0);
                }
            }
            v[j] = s;
        }
        [[unroll]] for (uint kx = 0u; kx < 3u; kx++) {
            uint k = ci * 9u + ky * 3u + kx;
            vec4 w[CB4];
            if (share) {
                [[unroll]] for (uint q = 0u; q < CB4; q++)
                    w[q] = bcast4(wl[q / 2u][ky * 3u + kx], q % 2u);
            } else {
                [[unroll]] for (uint q = 0u; q < CB4; q++) {
                    uint o = 4u * q;
                    w[q] = vec4(wt[w_base + min(co0 + o, p.c_out - 1u) * row + k],
                                wt[w_base + min(co0 + o + 1u, p.c_out - 1u) * row + k],
                                wt[w_base + min(co0 + o + 2u, p.c_out - 1u) * row + k],
                                wt[w_base + min(co0 + o + 3u, p.c_out - 1u) * row + k]);
                }
            }
            [[unroll]] for (uint j = 0u; j < PX; j++)
                [[unroll]] for (uint q = 0u; q < CB4; q++)
                    acc[j][q] += w[q] * v[j + kx];
        }
    }
}

void main()
{
    uint x0 = (gl_WorkGroupID.x * gl_WorkGroupSize.x + gl_LocalInvocationID.x) * PX;
    uint y = p.y0 + gl_WorkGroupID.y * gl_WorkGroupSize.y + gl_LocalInvocationID.y;
    uint co0 = gl_WorkGroupID.z * COB;
    int y_end = int(p.y0 + p.rows);
    bool live = int(y) < y_end;
    uint x_end = p.width;
    if ((FLAGS & ASR_CONV_TILED) != 0u) {
        /* invocation i: segment i % segs (PX pixels) of the workgroup's row i / segs */
        uint e = gl_WorkGroupID.x / p.gpt, part = gl_WorkGroupID.x - e * p.gpt;
        uint t = tiles[p.list_off + tiles[p.start_at] + e];
        uint tx = t % p.tiles_x, ty = t / p.tiles_x;
        uint li = gl_LocalInvocationID.y * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
        uint rows = gl_WorkGroupSize.x * gl_WorkGroupSize.y / p.segs, r = li / p.segs;
        x0 = tx * p.tile + (li - r * p.segs) * PX;
        y = ty * p.tile + part * rows + r;
        x_end = min((tx + 1u) * p.tile, p.width);
        live = r < rows && y < min((ty + 1u) * p.tile, p.height) && x0 < x_end;
    }

    [[unroll]] for (uint ky = 0u; ky < 3u; ky++) {
        int gy = int(y + ky) - 1;
        bool row_ok = live && gy >= 0 && gy < int(p.height) && gy <= y_end;
        [[unroll]] for (uint j = 0u; j < NX; j++) {
            int gx = int(x0 + j) - 1;
            ok[ky][j] = row_ok && gx >= 0 && gx < int(p.width);
            if ((FLAGS & ASR_CONV_TILE_MASK) != 0u && ok[ky][j])
                ok[ky][j] = tiles[(uint(gy) / p.tile) * p.tiles_x + uint(gx) / p.tile] > p.block;
            pix[ky][j] = ok[ky][j] ? uint(gy) * p.width + uint(gx) : 0u;
            elem[ky][j] = ok[ky][j] ? pix[ky][j] * p.cs - p.in_base : 0u;
        }
    }

    /* every lane stays active through the loops (subgroup broadcasts);
     * the broadcasts read lanes 0..7: only where they are all active */
    bool share = WSHARE == 1u || (WSHARE == 2u && (subgroupBallot(true).x & 0xffu) == 0xffu);
    vec4 acc[PX][CB4];
    [[unroll]] for (uint j = 0u; j < PX; j++)
        [[unroll]] for (uint q = 0u; q < CB4; q++)
            acc[j][q] = vec4(0.0);
    for (uint ci = 0u; ci < p.c_in; ci++)
        accumulate(acc, ci, (FLAGS & ASR_CONV_IN_IMAGE) != 0u,
                   (FLAGS & ASR_CONV_PRE_SA_RELU) != 0u, co0, p.w_off, p.cin_stride * 9u,
                   share);

    /* the head conv recomputed from the image, in its own sums (the order
     * of the head pass: its channels, then its bias) */
    vec4 head[PX][CB4];
    if ((FLAGS & ASR_CONV_ADD_HEAD) != 0u) {
        [[unroll]] for (uint j = 0u; j < PX; j++)
            [[unroll]] for (uint q = 0u; q < CB4; q++)
                head[j][q] = vec4(0.0);
        [[unroll]] for (uint ci = 0u; ci < 3u; ci++)
            accumulate(head, ci, true, false, co0, p.hw_off, 27u, share);
    }

    if (!live)
        return;
    [[unroll]] for (uint j = 0u; j < PX; j++) {
        uint x = x0 + j;
        if (x >= x_end)
            break;
        uint q = y * p.width + x;
        [[unroll]] for (uint o = 0u; o < COB; o++) {
            uint co = co0 + o;
            if (co >= p.c_out)
                break;
            float v = acc[j][o / 4u][o % 4u] + wt[p.b_off + co];
            if ((FLAGS & ASR_CONV_ADD_HEAD) != 0u)
                v += head[j][o / 4u][o % 4u] + wt[p.hb_off + co];
            if ((FLAGS & ASR_CONV_ADD_RES) != 0u)
                v += act_load(res[q * p.cs + co - p.res_base]);
            dst[q * p.cs + co - p.out_base] = act_store(v);
        }
    }
}
