/*
 * anysr-upscale: upscale images, folders of images and videos (with their
 * audio) with the anysr GStreamer element. Shared declarations of the
 * command's files: options.c (command line), encoders.c (encoder and muxer
 * by output extension), job.c (one input through one pipeline), progress.c
 * (the progress line and the summary), anysr-upscale.c (main, folders,
 * devices).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef ANYSR_UPSCALE_H
#define ANYSR_UPSCALE_H

#include <gst/gst.h>
#include <stdio.h>

/* Exit statuses (docs/anysr-upscale.md#exit-status). */
enum {
  UPSCALE_EXIT_OK = 0,
  UPSCALE_EXIT_FAILED = 1,        /* the pipeline failed while running */
  UPSCALE_EXIT_USAGE = 2,         /* bad option, unknown output extension */
  UPSCALE_EXIT_INPUT = 3,         /* input missing or not decodable */
  UPSCALE_EXIT_OUTPUT = 4,        /* output not writable */
  UPSCALE_EXIT_SIZE = 5,          /* a size or scale anysr refuses */
  UPSCALE_EXIT_INTERRUPTED = 130, /* SIGINT: the output was finalised */
};

#define UPSCALE_MAX_DEVICES 16

typedef struct UpscaleOptions {
  const char *input;
  const char *output;
  double scale_x, scale_y;      /* 0: not given */
  int size_w, size_h;           /* 0: not given (aspect kept from the other) */
  const char *model;
  const char *precision;        /* NULL: the element's default */
  int device;                   /* -1: automatic */
  int devices[UPSCALE_MAX_DEVICES];
  int n_devices;                /* 0: --devices not given */
  int subnet;                   /* -2: not given */
  const char *decoder;          /* NULL: not given */
  double depth_target;          /* < 0: not given */
  int quality;                  /* constant-quality level, x264 CRF scale */
  gboolean lossless;
  gboolean quiet;
  gboolean tty;                 /* stderr is a terminal: progress in place */
} UpscaleOptions;

#define UPSCALE_DEFAULT_QUALITY 16

/* options.c: fills `opts`; on a usage error prints it and returns FALSE. */
gboolean upscale_options_parse (UpscaleOptions *opts, int argc, char **argv);

/* encoders.c */
typedef enum UpscaleKind {
  UPSCALE_KIND_UNKNOWN = 0,
  UPSCALE_KIND_IMAGE,
  UPSCALE_KIND_VIDEO,
} UpscaleKind;

/* What a path's extension asks for (case-insensitive). */
UpscaleKind upscale_kind_of_path (const char *path);
/* Extensions the command writes, for error messages. */
const char *upscale_known_extensions (void);

typedef struct UpscaleOutputPlan {
  UpscaleKind kind;
  GstElement *video_encoder;    /* floating; with its caps filter in front */
  GstCaps *video_encoder_caps;  /* raw caps the encoder is fed (format) */
  GstElement *muxer;            /* NULL for images and raw streams */
  gboolean audio;               /* the container takes audio */
  char *description;            /* "x264 CRF 16, Matroska", for the summary */
} UpscaleOutputPlan;

/* Chooses the encoder and muxer for `path` at the output size; FALSE with
 * `error` set when the extension is unknown or no encoder is installed. */
gboolean upscale_output_plan (UpscaleOutputPlan *plan, const char *path,
    const UpscaleOptions *opts, int out_w, int out_h, double fps,
    GError **error);
void upscale_output_plan_clear (UpscaleOutputPlan *plan);
/* An audio encoder the plan's muxer takes (for audio that cannot be
 * remuxed), or NULL. */
GstElement *upscale_audio_encoder (GstElement *muxer, char **name);

/* progress.c */
typedef struct UpscaleProgress {
  gboolean tty;
  gboolean quiet;
  gint64 start_us;
  gint64 last_print_us;
  int last_len;                 /* length of the last in-place line */
} UpscaleProgress;

void upscale_progress_init (UpscaleProgress *p, gboolean tty, gboolean quiet);
/* One progress report: done of total (total 0 = unknown), `what` counts
 * (frames, files). Prints in place on a terminal, else at most one line a
 * second. */
void upscale_progress_update (UpscaleProgress *p, double done, double total,
    const char *what, gboolean force);
/* Ends an in-place line (a newline) before other output. */
void upscale_progress_finish (UpscaleProgress *p);
char *upscale_format_bytes (guint64 bytes);
char *upscale_format_duration (double seconds);

/* job.c: one input file to one output file. */
typedef struct UpscaleJob UpscaleJob;
typedef void (*UpscaleJobDone) (UpscaleJob *job, gpointer user_data);

typedef struct UpscaleResult {
  int status;                   /* UPSCALE_EXIT_* */
  int in_w, in_h, out_w, out_h;
  guint64 frames;
  double seconds;
  char *device;                 /* element's device-name */
  char *encoder;
  gboolean has_audio, audio_remuxed;
  char *message;                /* error message, NULL on success */
} UpscaleResult;

/* Prepares a job (probes the input, checks the output and the sizes). On a
 * failure returns NULL with `result` filled. */
UpscaleJob *upscale_job_new (const char *input, const char *output,
    const UpscaleOptions *opts, int device, UpscaleResult *result);
/* Starts it in the default main context; `done` is called once at the end. */
void upscale_job_start (UpscaleJob *job, UpscaleJobDone done, gpointer user_data);
/* Ctrl-C: EOS through the pipeline, the output is finalised. */
void upscale_job_interrupt (UpscaleJob *job);
/* Second Ctrl-C: stop at once, the temporary file is removed. */
void upscale_job_abort (UpscaleJob *job);
/* Frames done and expected (0: unknown) so far. */
void upscale_job_progress (UpscaleJob *job, double *done, double *total);
const UpscaleResult *upscale_job_result (UpscaleJob *job);
const char *upscale_job_input (UpscaleJob *job);
const char *upscale_job_output (UpscaleJob *job);
void upscale_job_free (UpscaleJob *job);
void upscale_result_clear (UpscaleResult *result);

#endif /* ANYSR_UPSCALE_H */
