/*
 * tile_lists.comp — spatial depth: from the tiles' depths, the list of tiles
 * that run each block, the indirect dispatches of its convolutions per
 * encoder band, and the pixels that run it (docs/models.md#spatial-depth).
 *
 * Operation: invocation l < depth scans the tiles in raster order; a tile
 *   with tiles[t] > l is appended to list l (tiles[list_off + l * ntiles +
 *   i]) and its in-map pixels are added to tiles[pix_off + l]. For each
 *   band b (band_tiles tile rows), the band's entries are contiguous from
 *   `start`: tiles[args_off + (l * bands + b) * 8 + 0..7] =
 *   { count * gpt, 1, gz1, start, count * gpt, 1, gz2, start } (conv1's,
 *   then conv2's VkDispatchIndirectCommand and first entry).
 * Bindings: 0 = uint tiles[] (params.h layout)
 * Push constants: AsrTileListParams (params.h).
 * Specialization constants: none; workgroup 16 x 1 x 1, invocation l < depth
 *   builds list l (src/net/net.c asserts ASR_MODEL_MAX_D <= 16).
 * Dispatch: 1 x 1 x 1.
 */
#version 450
#extension GL_GOOGLE_include_directive : require
#include "params.h"

layout(local_size_x = 16, local_size_y = 1, local_size_z = 1) in;

layout(std430, binding = 0) buffer Tiles { uint tiles[]; };
layout(push_constant) uniform Push { AsrTileListParams p; };

void main()
{
    uint l = gl_LocalInvocationID.x;
    if (l >= p.depth)
        return;
    uint ntiles = p.tiles_x * p.tiles_y;
    uint list = p.list_off + l * ntiles;
    uint n = 0u, px = 0u;
    for (uint b = 0u; b < p.bands; b++) {
        uint start = n;
        uint ty1 = min((b + 1u) * p.band_tiles, p.tiles_y);
        for (uint ty = b * p.band_tiles; ty < ty1; ty++) {
            uint th = min(p.tile, p.height - ty * p.tile);
            for (uint tx = 0u; tx < p.tiles_x; tx++) {
                uint t = ty * p.tiles_x + tx;
                if (tiles[t] > l) {
                    tiles[list + n] = t;
                    n++;
                    px += th * min(p.tile, p.width - tx * p.tile);
                }
            }
        }
        uint a = p.args_off + (l * p.bands + b) * 8u;
        uint gx = (n - start) * p.gpt;
        tiles[a + 0u] = gx;
        tiles[a + 1u] = 1u;
        tiles[a + 2u] = p.gz1;
        tiles[a + 3u] = start;
        tiles[a + 4u] = gx;
        tiles[a + 5u] = 1u;
        tiles[a + 6u] = p.gz2;
        tiles[a + 7u] = start;
    }
    tiles[p.pix_off + l] = px;
}
