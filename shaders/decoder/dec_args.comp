/*
 * dec_args.comp — indirect dispatch arguments of the heavy and light lists.
 *
 * Operation: for each list with count c (ASR_ROUTE_HEAVY_COUNT /
 *   ASR_ROUTE_LIGHT_COUNT): g = ceil(c / ASR_DEC_LOCAL) workgroups,
 *   writes (g, 1, 1) at ASR_ROUTE_HEAVY_ARGS / ASR_ROUTE_LIGHT_ARGS (a
 *   window has at most ASR_DEC_MAX_GROUPS_X groups: params.h), and adds c
 *   to the frame's total (ASR_ROUTE_HEAVY_TOTAL / ASR_ROUTE_LIGHT_TOTAL).
 * Bindings: 0 = uint route[] (params.h ASR_ROUTE_*)
 * Push constants: none.
 * Specialization constants: none; workgroup 1 x 1 x 1.
 * Dispatch: 1 x 1 x 1.
 */
#version 450
#extension GL_GOOGLE_include_directive : require
#include "params.h"

layout(local_size_x = 1, local_size_y = 1, local_size_z = 1) in;

layout(std430, binding = 0) buffer Route { uint route[]; };

void main()
{
    for (uint l = 0u; l < 2u; l++) {
        uint c = route[l == 0u ? ASR_ROUTE_HEAVY_COUNT : ASR_ROUTE_LIGHT_COUNT];
        uint g = (c + ASR_DEC_LOCAL - 1u) / ASR_DEC_LOCAL;
        uint gx = g;
        uint gy = 1u;
        uint a = l == 0u ? ASR_ROUTE_HEAVY_ARGS : ASR_ROUTE_LIGHT_ARGS;
        route[a] = gx;
        route[a + 1u] = gy;
        route[a + 2u] = 1u;
        route[l == 0u ? ASR_ROUTE_HEAVY_TOTAL : ASR_ROUTE_LIGHT_TOTAL] += c;
    }
}
