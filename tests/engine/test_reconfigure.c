/*
 * Resident weights across resolution changes (a weight upload once per engine): 1000 configure
 * changes cycling through 10 resolutions (odd sizes, several scale groups),
 * a frame processed after each, with the QoS controller on (held on the
 * cheapest network point, so the network runs every frame). The weights are
 * uploaded once, a pipeline is created only by a frame that runs an
 * operating point in a way no earlier frame did (pipelines are created when
 * a pass first runs, docs/design.md#kernels), each once, the grow-only
 * pool stops allocating once every size has been seen (after the first
 * cycle), and the resident set after the last change is within 10 % of the
 * one after the tenth. Then asr_engine_trim(): the pool shrinks to the
 * current size, the output is unchanged, and it grows again on demand.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>
#include <unistd.h>

#include "asr_test.h"

typedef struct Res {
    uint32_t iw, ih, ow, oh;
} Res;

/* Tiny frames (lavapipe), but two sizes large enough that the pool's 64 KiB
 * granules must grow: 40x30 feature maps (32 x 1200 values, 75 KiB in fp16)
 * and 80x60 output planes. */
static const Res res[10] = {
    { 8, 8, 16, 16 },   { 9, 7, 13, 11 },   { 12, 10, 17, 23 }, { 21, 15, 47, 37 },
    { 11, 13, 11, 26 }, { 40, 30, 80, 60 }, { 7, 5, 21, 15 },   { 13, 17, 20, 30 },
    { 10, 10, 25, 25 }, { 5, 3, 9, 7 },
};

#define MAX_IN (40 * 30 * 4)
#define MAX_OUT (80 * 60 * 4)

static uint8_t in_px[MAX_IN], out_px[MAX_OUT];

static AsrStatus configure_and_run(AsrEngine *e, const Res *r)
{
    AsrFrameInfo in = { .format = ASR_FORMAT_RGBA, .width = r->iw, .height = r->ih };
    AsrFrameInfo out = { .format = ASR_FORMAT_RGBA, .width = r->ow, .height = r->oh };
    AsrStatus st = asr_engine_configure(e, &in, &out);
    if (st < 0)
        return st;
    AsrFrame fi = { { in_px }, { r->iw * 4 } }, fo = { { out_px }, { r->ow * 4 } };
    return asr_engine_process(e, &fi, &fo);
}

int main(void)
{
    uint32_t seed = 777;
    for (size_t i = 0; i < sizeof(in_px); i++)
        in_px[i] = (uint8_t)(test_rand(&seed) >> 24);

    /* trim on an engine that was never configured: nothing to do */
    AsrEngine *e = test_engine_new();
    CHECK_STATUS(asr_engine_trim(e), ASR_OK);
    CHECK_STATUS(asr_engine_trim(NULL), ASR_ERROR_INVALID_ARGUMENT);

    /* the controller on, the frames cheap: its ceiling is the cheapest network
     * point (subnet 0, light decoder) and the budget leaves that one room, so
     * the network (not the bicubic floor below it) runs every frame */
    AsrOpChoice cheapest = { 0, ASR_DECODER_LIGHT, asr_engine_default_k(e) };
    CHECK_STATUS(asr_engine_set_op(e, &cheapest), ASR_OK);
    CHECK_STATUS(asr_engine_set_target(e, 2.0, 0.85), ASR_OK);

    AsrStats st, first, tenth;
    memset(&st, 0, sizeof(st));
    first = tenth = st;
    long rss10 = 0, rss_last = 0;
    int failed = 0, points[16] = { 0 };
    /* the points run so far, each at fixed depth [0] or adaptive [1] */
    int ran[16][2] = { { 0 } };
    uint64_t created = 0;
    for (int i = 0; i < 1000 && !failed; i++) {
        AsrStatus s = configure_and_run(e, &res[i % 10]);
        if (s < 0) {
            fprintf(stderr, "change %d (%ux%u -> %ux%u): %s: %s\n", i, res[i % 10].iw,
                    res[i % 10].ih, res[i % 10].ow, res[i % 10].oh, asr_status_to_string(s),
                    asr_engine_last_error(e));
            failed = 1;
            test_failures++;
            break;
        }
        CHECK_STATUS(asr_engine_get_stats(e, &st), ASR_OK);
        if (st.op.point >= 0 && st.op.point < 16)
            points[st.op.point]++;
        if (i == 0)
            first = st;
        if (i == 9) {
            tenth = st;
            rss10 = test_rss_kib();
        }
        int pt = st.op.point, adaptive = st.op.depth_target < 1.0f;
        int again = pt >= 0 && pt < 16 && ran[pt][adaptive];
        if (pt >= 0 && pt < 16)
            ran[pt][adaptive] = 1;
        if (st.counts.weight_uploads != 1 || (again && st.counts.pipelines_created != created) ||
            st.counts.pipelines_created > st.pipelines.described) {
            fprintf(stderr, "change %d: weight uploads %llu, pipelines %llu (%llu before this "
                    "frame, which ran point %d %s, %s; %u passes)\n", i,
                    (unsigned long long)st.counts.weight_uploads,
                    (unsigned long long)st.counts.pipelines_created,
                    (unsigned long long)created, pt, adaptive ? "adaptive" : "at fixed depth",
                    again ? "as an earlier frame" : "for the first time", st.pipelines.described);
            test_failures++;
            failed = 1;
        }
        created = st.counts.pipelines_created;
        if (i >= 10 && st.counts.buffer_allocations != tenth.counts.buffer_allocations) {
            fprintf(stderr, "change %d (%ux%u -> %ux%u): buffer allocations %llu, %llu after "
                    "the first cycle\n", i, res[i % 10].iw, res[i % 10].ih, res[i % 10].ow,
                    res[i % 10].oh, (unsigned long long)st.counts.buffer_allocations,
                    (unsigned long long)tenth.counts.buffer_allocations);
            test_failures++;
            failed = 1;
        }
    }
    rss_last = test_rss_kib();
    printf("1000 changes across 10 resolutions: weight uploads %llu, pipelines %llu (after the "
           "first frame %llu), buffer allocations %llu (after the first frame %llu, after the "
           "tenth %llu), configures %llu, frames %llu\n",
           (unsigned long long)st.counts.weight_uploads, (unsigned long long)st.counts.pipelines_created,
           (unsigned long long)first.counts.pipelines_created, (unsigned long long)st.counts.buffer_allocations,
           (unsigned long long)first.counts.buffer_allocations,
           (unsigned long long)tenth.counts.buffer_allocations, (unsigned long long)st.counts.configures,
           (unsigned long long)st.counts.frames);
    printf("RSS after the tenth change %ld KiB, after the last %ld KiB (%+.1f %%)\n", rss10,
           rss_last, rss10 > 0 ? 100.0 * (rss_last - rss10) / rss10 : 0.0);
    printf("controller: %llu switches, %llu frames over the 500 ms budget; frames per point:",
           (unsigned long long)st.qos.switches,
           (unsigned long long)st.qos.frames_over_budget);
    for (int p = 0; p < asr_engine_num_op_points(e) && p < 16; p++)
        printf(" %d", points[p]);
    printf("\n");
    CHECK(!failed);
    CHECK(st.counts.weight_uploads == 1);
    CHECK(st.counts.pipelines_created >= first.counts.pipelines_created &&
          st.counts.pipelines_created <= st.pipelines.described);
    CHECK(st.counts.buffer_allocations == tenth.counts.buffer_allocations);
    CHECK(st.counts.frames == 1000 && st.counts.configures == 1000);
    CHECK(rss10 > 0 && rss_last > 0 && rss_last <= rss10 + rss10 / 10);

    /* trim: shrink to the smallest size, same output, grows again */
    CHECK_STATUS(asr_engine_set_target(e, 0, 0), ASR_OK); /* the op stays the cheapest */
    const Res *small = &res[9], *big = &res[5];
    CHECK_STATUS(configure_and_run(e, big), ASR_OK); /* the op's pipelines at both sizes */
    CHECK_STATUS(configure_and_run(e, small), ASR_OK);
    uint8_t before[5 * 3 * 4 * 9];
    memcpy(before, out_px, (size_t)small->ow * small->oh * 4);
    AsrStats a0, a1, a2, a3;
    CHECK_STATUS(asr_engine_get_stats(e, &a0), ASR_OK);
    CHECK_STATUS(asr_engine_trim(e), ASR_OK);
    CHECK_STATUS(asr_engine_get_stats(e, &a1), ASR_OK);
    memset(out_px, 0, sizeof(out_px));
    AsrFrame fi = { { in_px }, { small->iw * 4 } }, fo = { { out_px }, { small->ow * 4 } };
    CHECK_STATUS(asr_engine_process(e, &fi, &fo), ASR_OK);
    CHECK(!memcmp(before, out_px, (size_t)small->ow * small->oh * 4));
    CHECK_STATUS(asr_engine_trim(e), ASR_OK); /* already fits: nothing */
    CHECK_STATUS(asr_engine_get_stats(e, &a2), ASR_OK);
    CHECK_STATUS(configure_and_run(e, big), ASR_OK);
    CHECK_STATUS(asr_engine_get_stats(e, &a3), ASR_OK);
    printf("trim: %llu buffers re-allocated smaller, a second trim %llu, growing back to "
           "%ux%u -> %ux%u %llu; weight uploads %llu, pipelines %llu\n",
           (unsigned long long)(a1.counts.buffer_allocations - a0.counts.buffer_allocations),
           (unsigned long long)(a2.counts.buffer_allocations - a1.counts.buffer_allocations), big->iw,
           big->ih, big->ow, big->oh,
           (unsigned long long)(a3.counts.buffer_allocations - a2.counts.buffer_allocations),
           (unsigned long long)a3.counts.weight_uploads, (unsigned long long)a3.counts.pipelines_created);
    CHECK(a1.counts.buffer_allocations > a0.counts.buffer_allocations);
    CHECK(a2.counts.buffer_allocations == a1.counts.buffer_allocations);
    CHECK(a3.counts.buffer_allocations > a2.counts.buffer_allocations);
    CHECK(a3.counts.weight_uploads == 1 && a3.counts.pipelines_created == a0.counts.pipelines_created);
    CHECK(a3.counts.validation_messages == 0);

    asr_engine_free(&e);
    if (test_failures)
        fprintf(stderr, "%d check(s) failed\n", test_failures);
    return test_failures ? 1 : 0;
}
