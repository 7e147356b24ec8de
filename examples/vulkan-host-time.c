/* What the host spends per frame on the frame copies that a GPU-resident
 * pipeline (VulkanImage in and out) avoids: the same engine, the same
 * frame size, processed (a) from / to host frames (asr_engine_process: the
 * host memcpy into the staging buffer, the staging <-> device buffer
 * copies, and back) and (b) with the frame kept on the device
 * (asr_engine_process_vulkan with record callbacks; here they record
 * nothing, so (b) is the network alone: the image <-> buffer copies that
 * the element records in their place are device work).
 *
 *   anysr-vulkan-host-time [FRAMES] [WxH ...]   (default 4 1280x720 1920x1080)
 *
 * RGBA, scale 2, subnet 0, light decoder. Means over the frames after the
 * first. On lavapipe "device" memory is host memory and device time is CPU
 * time: there the difference is CPU time the copies cost, not PCIe time.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <anysr/anysr-vulkan.h>

static double
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
record_nothing (void *user, VkCommandBuffer cb, const AsrVulkanFrameBuffer * b)
{
  (void) user;
  (void) cb;
  (void) b;
  return 0;
}

int
main (int argc, char **argv)
{
  int frames = argc > 1 ? atoi (argv[1]) : 4;
  const char *def[] = { "1280x720", "1920x1080" };
  const char **sizes = argc > 2 ? (const char **) argv + 2 : def;
  int n_sizes = argc > 2 ? argc - 2 : 2;
  AsrSettings s;
  AsrEngine *e = NULL;
  AsrOpChoice op = { 0, ASR_DECODER_LIGHT, 0.0f };

  if (frames < 2)
    frames = 2;
  asr_settings_default (&s);
  if (asr_engine_new (&s, &e) != ASR_OK) {
    fprintf (stderr, "no engine\n");
    return 1;
  }
  printf ("device: %s, %d frames (means over the last %d)\n",
      asr_engine_device_name (e), frames, frames - 1);
  printf ("%-22s %-6s %9s %9s %9s %9s %9s\n", "size", "path", "wall_ms",
      "gpu_ms", "upload", "download", "memcpy");
  for (int i = 0; i < n_sizes; i++) {
    unsigned w = 0, h = 0;
    if (sscanf (sizes[i], "%ux%u", &w, &h) != 2)
      return 2;
    AsrFrameInfo in = { 0 }, out = { 0 };
    in.format = out.format = ASR_FORMAT_RGBA;
    in.width = w;
    in.height = h;
    out.width = 2 * w;
    out.height = 2 * h;
    if (asr_engine_configure (e, &in, &out) != ASR_OK
        || asr_engine_set_op (e, &op) != ASR_OK) {
      fprintf (stderr, "configure: %s\n", asr_engine_last_error (e));
      return 1;
    }
    size_t in_b = (size_t) w * h * 4, out_b = (size_t) 4 * w * h * 4;
    uint8_t *hin = malloc (in_b), *hout = malloc (out_b), *tmp =
        malloc (out_b);
    for (size_t k = 0; k < in_b; k++)
      hin[k] = (uint8_t) (k * 7);
    AsrFrame fi = { { hin }, { (size_t) w * 4 } };
    AsrFrame fo = { { hout }, { (size_t) w * 8 } };
    AsrVulkanFrameIo io = { record_nothing, record_nothing, NULL };
    for (int path = 0; path < 2; path++) {
      double wall = 0, gpu = 0, up = 0, down = 0;
      for (int f = 0; f < frames; f++) {
        AsrStats st;
        AsrStatus r = path == 0 ? asr_engine_process (e, &fi, &fo) :
            asr_engine_process_vulkan (e, NULL, NULL, &io);
        if (r != ASR_OK) {
          fprintf (stderr, "process: %s\n", asr_engine_last_error (e));
          return 1;
        }
        asr_engine_get_stats (e, &st);
        if (f == 0)
          continue;
        wall += st.time.wall_ms;
        gpu += st.time.gpu_ms;
        up += st.time.upload_ms;
        down += st.time.download_ms;
      }
      /* the host memcpy of one input and one output frame, for scale */
      double t0 = now_ms ();
      memcpy (tmp, hin, in_b);
      memcpy (tmp, hout, out_b);
      double mc = now_ms () - t0;
      int m = frames - 1;
      printf ("%ux%u->%ux%u %-6s %9.1f %9.1f %9.1f %9.1f %9.1f\n", w, h,
          2 * w, 2 * h, path == 0 ? "host" : "device", wall / m, gpu / m,
          up / m, down / m, path == 0 ? mc : 0.0);
    }
    free (hin);
    free (hout);
    free (tmp);
  }
  asr_engine_free (&e);
  return 0;
}
