/*
 * anysr — any-scale, any-resource super-resolution on Vulkan.
 *
 * Public engine API of libanysr. No Vulkan or GStreamer type appears here.
 *
 * Life cycle (in the manner of dav1d):
 *
 *     AsrSettings s;
 *     asr_settings_default(&s);
 *     AsrEngine *e = NULL;
 *     if (asr_engine_new(&s, &e) < 0) ...
 *     asr_engine_configure(e, &in_info, &out_info);   (again whenever sizes change)
 *     asr_engine_process(e, &in_frame, &out_frame);   (once per frame)
 *     asr_engine_free(&e);
 *
 * Return codes: every function returning AsrStatus returns ASR_OK (0) on
 * success and a negative AsrStatus on failure; asr_status_to_string() names it
 * and asr_engine_last_error() holds a human-readable message for the last
 * failure of that engine.
 *
 * Thread safety: functions taking an AsrEngine must not be called
 * concurrently on the same engine; distinct engines may be used from distinct
 * threads at once. Free functions without an engine argument are thread-safe.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * @file anysr.h
 * Public engine API of libanysr: settings, engine life cycle, frames,
 * operating points, statistics, profiling. No Vulkan or GStreamer type
 * appears here; the library guide is docs/library.md.
 */
#ifndef ANYSR_ANYSR_H
#define ANYSR_ANYSR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @def ASR_API
 * Marks a function exported from libanysr (default visibility; dllexport /
 * dllimport on Windows unless ASR_STATIC is defined).
 */
#if defined(_WIN32) && !defined(ASR_STATIC)
#  ifdef ASR_BUILDING_LIBRARY
#    define ASR_API __declspec(dllexport)
#  else
#    define ASR_API __declspec(dllimport)
#  endif
#elif defined(__GNUC__) && __GNUC__ >= 4
#  define ASR_API __attribute__((visibility("default")))
#else
#  define ASR_API
#endif

/** Major version of the library this header belongs to. */
#define ASR_VERSION_MAJOR 0
/** Minor version of the library this header belongs to. */
#define ASR_VERSION_MINOR 1
/** Patch version of the library this header belongs to. */
#define ASR_VERSION_PATCH 0

/** Smallest and largest per-axis scale factor (output size / input size). */
#define ASR_SCALE_MIN 1.0
/** Largest per-axis scale factor (output size / input size). */
#define ASR_SCALE_MAX 8.0

/** Status codes. ASR_OK is zero, every error is negative. */
typedef enum AsrStatus {
    ASR_OK = 0,
    ASR_ERROR_INVALID_ARGUMENT = -1, /**< a NULL pointer, a bad enum, a size of 0 */
    ASR_ERROR_NO_MEMORY = -2,        /**< host or device allocation failed */
    ASR_ERROR_NO_DEVICE = -3,        /**< no usable Vulkan device (or loader) */
    ASR_ERROR_VULKAN = -4,           /**< a Vulkan call failed */
    ASR_ERROR_UNSUPPORTED = -5,      /**< format, size or scale cannot be served */
    ASR_ERROR_MODEL = -6,            /**< model file missing, malformed or invalid */
    ASR_ERROR_NOT_CONFIGURED = -7,   /**< process() before a successful configure() */
    ASR_ERROR_DEVICE_LOST = -8,      /**< the device was lost (or hung: a submission ran past
                                          60 s); free the engine and create another */
    ASR_ERROR_CANCELLED = -9,        /**< asr_engine_cancel() stopped the frame */
    ASR_HOST_FLOOR = 1,              /**< not an error: asr_engine_process() left the frame to
                                          the caller's floor (asr_engine_set_host_floor());
                                          only returned to a caller that set one */
} AsrStatus;

/** Static, never NULL, English name of a status ("ok", "invalid argument" ...). */
ASR_API const char *asr_status_to_string(AsrStatus status);

/** Version string of the library ("0.1.0"). Static. */
ASR_API const char *asr_version(void);

/** Log levels, most severe first. */
typedef enum AsrLogLevel {
    ASR_LOG_ERROR = 0,
    ASR_LOG_WARNING = 1,
    ASR_LOG_INFO = 2,
    ASR_LOG_DEBUG = 3,
} AsrLogLevel;

/**
 * Log callback. `message` is valid only during the call and has no trailing
 * newline. May be called from the thread calling into the engine, and from
 * the Vulkan driver's thread for validation-layer messages.
 */
typedef void (*AsrLogCallback)(void *user_data, AsrLogLevel level, const char *message);

/** Pixel formats, in memory byte order (as GStreamer names them). */
typedef enum AsrPixelFormat {
    ASR_FORMAT_UNKNOWN = 0,
    ASR_FORMAT_RGBA, /**< packed 8-bit R,G,B,A */
    ASR_FORMAT_BGRA, /**< packed 8-bit B,G,R,A */
    ASR_FORMAT_RGBX, /**< packed 8-bit R,G,B, padding byte */
    ASR_FORMAT_BGRX, /**< packed 8-bit B,G,R, padding byte */
    ASR_FORMAT_I420, /**< planar 8-bit Y, U (w/2 x h/2), V (w/2 x h/2), sizes rounded up */
    ASR_FORMAT_NV12, /**< 8-bit Y plane, interleaved UV plane (w/2 x h/2), rounded up */
    /* 10-bit formats (GStreamer P010_10LE, I420_10LE, RGB10A2_LE, BGR10A2_LE): read and
     * written at full 10-bit precision, no 8-bit step anywhere */
    ASR_FORMAT_P010,      /**< Y plane of 16-bit little-endian words, interleaved UV plane
                               (w/2 x h/2, U then V, 16-bit each), rounded up; the 10 bits
                               in the high bits of each word (value << 6), low 6 bits 0 */
    ASR_FORMAT_I420_10,   /**< planar Y, U (w/2 x h/2), V (w/2 x h/2) of 16-bit
                               little-endian words, the 10 bits in the low bits (0..1023) */
    ASR_FORMAT_RGB10A2,   /**< packed 32-bit little-endian word per pixel:
                               R bits 0-9, G bits 10-19, B bits 20-29, A bits 30-31 */
    ASR_FORMAT_BGR10A2,   /**< packed 32-bit little-endian word per pixel:
                               B bits 0-9, G bits 10-19, R bits 20-29, A bits 30-31 */
} AsrPixelFormat;

/** YCbCr matrix of a YUV stream (ignored for RGB formats). */
typedef enum AsrColorMatrix {
    ASR_MATRIX_BT601 = 0,
    ASR_MATRIX_BT709 = 1,
    ASR_MATRIX_BT2020 = 2,
} AsrColorMatrix;

/** Quantisation range of a YUV stream (ignored for RGB formats). */
typedef enum AsrColorRange {
    ASR_RANGE_LIMITED = 0, /**< Y 16..235, UV 16..240 (10-bit: Y 64..940, UV 64..960) */
    ASR_RANGE_FULL = 1,    /**< 0..255 (10-bit: 0..1023, UV centred on 512) */
} AsrColorRange;

/** Description of one side (input or output) of the engine. */
typedef struct AsrFrameInfo {
    /** Pixel format of the frames on this side. */
    AsrPixelFormat format;
    uint32_t width;  /**< in pixels, >= 1 */
    uint32_t height; /**< in pixels, >= 1 */
    /** YCbCr matrix (YUV formats). */
    AsrColorMatrix matrix;
    /** Quantisation range (YUV formats). */
    AsrColorRange range;
    /** Chroma siting of 4:2:0 formats: non-zero when the chroma sample is
     *  co-sited with the left (h) / top (v) luma sample, zero when it lies
     *  midway between luma samples. MPEG-2 style is h=1, v=0; JPEG is 0, 0. */
    uint8_t chroma_cosited_h;
    /** Vertical chroma siting, as chroma_cosited_h. */
    uint8_t chroma_cosited_v;
} AsrFrameInfo;

/** Maximum number of planes of any AsrPixelFormat. */
#define ASR_MAX_PLANES 3

/**
 * One frame in host memory. Plane order: packed RGB = 1 plane; I420, I420_10 =
 * Y, U, V; NV12, P010 = Y, UV. Strides are in bytes, >= the plane's row size, and may differ
 * per call. The memory is owned by the caller and must stay valid during
 * asr_engine_process().
 */
typedef struct AsrFrame {
    /** First byte of each plane (unused planes: NULL). */
    uint8_t *data[ASR_MAX_PLANES];
    /** Bytes from one row of each plane to the next. */
    size_t stride[ASR_MAX_PLANES];
} AsrFrame;

/** Storage precision of the network's feature maps (activations). */
typedef enum AsrPrecision {
    ASR_PRECISION_AUTO = 0, /**< fp16 where the device has storageBuffer16BitAccess, else fp32 */
    ASR_PRECISION_FP16 = 1, /**< 16-bit floats (arithmetic stays fp32); fails on devices
                                 without 16-bit storage */
    ASR_PRECISION_FP32 = 2, /**< 32-bit floats */
} AsrPrecision;

/** Kernels of the encoder's 3x3 convolutions (AsrSettings.kernels). */
typedef enum AsrKernels {
    ASR_KERNELS_AUTO = 0,    /**< cooperative matrices on GPUs where the device and the
                                  build have them and the feature maps are fp16, else SIMT
                                  (CPU devices: SIMT, faster on lavapipe) */
    ASR_KERNELS_SIMT = 1,    /**< the register-blocked SIMT kernel (every device) */
    ASR_KERNELS_COOPMAT = 2, /**< implicit GEMM on cooperative matrices
                                  (VK_KHR_cooperative_matrix, fp16 x fp16 -> fp32); where
                                  that is unavailable (device, fp32 maps, or a build
                                  without cooperative-matrix shaders) the engine falls back
                                  to SIMT with a logged warning saying why */
} AsrKernels;

/** Static, never NULL, name of a kernel choice ("auto", "simt", "coopmat";
 *  "unknown" for a value outside the enum). */
ASR_API const char *asr_kernels_name(AsrKernels kernels);

/** Kernel tuning (AsrSettings.tuning; `docs/design.md#kernels`, "Tuning"). */
typedef enum AsrTuning {
    ASR_TUNING_AUTO = 0,  /**< the winners cached for this device, model shape, precision and
                               kernels; where none are cached, GPUs time the candidates once
                               when the engine opens (about 2 s) and cache the winners, CPU
                               devices run their measured built-in choice */
    ASR_TUNING_OFF = 1,   /**< the device's built-in choice; the cache is not read */
    ASR_TUNING_FORCE = 2, /**< time the candidates again when the engine opens (also on
                               CPU devices, within a bound of about 60 s) and cache them */
} AsrTuning;

/** Static, never NULL, name of a tuning mode ("auto", "off", "force"; "unknown" for a
 *  value outside the enum). */
ASR_API const char *asr_tuning_name(AsrTuning tuning);

/** Engine settings. Always initialise with asr_settings_default(). */
typedef struct AsrSettings {
    /** Vulkan physical device index in enumeration order, or -1 for automatic
     *  choice (discrete > integrated > virtual > CPU). When -1, the
     *  environment variable ANYSR_DEVICE (an index) overrides the choice. */
    int device_index;
    /** Enable the Khronos validation layer and route its messages to the log
     *  at ASR_LOG_ERROR. Default: 0, or 1 when ANYSR_VALIDATION is set. */
    int validation;
    /** Log callback and its user data; NULL logs nothing. */
    AsrLogCallback log_callback;
    /** Passed as the first argument of log_callback. */
    void *log_user_data;
    /** Most verbose level passed to log_callback. Default ASR_LOG_WARNING. */
    AsrLogLevel log_level;
    /** Model file (.safetensors) to load instead of the embedded default;
     *  NULL = embedded default. Copied by asr_engine_new(). */
    const char *model_path;
    /** Storage of the feature maps. Default ASR_PRECISION_AUTO. */
    AsrPrecision precision;
    /** Force the frame to be processed in bands of this many input rows
     *  (the decoder's bands follow at the scale); 0 = bands only where a
     *  device limit or the memory budget needs them. Tiled output equals
     *  untiled output (`docs/design.md#memory-plan`): a knob for tests and users to check
     *  it. Default: 0, or the environment variable ANYSR_TILE (rows). */
    uint32_t tile_rows;
    /** Bytes of device memory the engine may allocate for frame-dependent
     *  buffers and the weights (0 = three quarters of the device's largest
     *  device-local heap); only what a frame needs is allocated.
     *  asr_engine_configure() fails when not even the smallest bands fit. */
    uint64_t memory_budget;
    /** Kernels of the encoder's convolutions. Default: ASR_KERNELS_AUTO, or
     *  the environment variable ANYSR_KERNELS (simt, coopmat or auto). The
     *  one in use is AsrStats.plan.kernels. */
    AsrKernels kernels;
    /** Kernel tuning. Default: ASR_TUNING_AUTO, or the environment variable
     *  ANYSR_TUNE (auto, off or force). The configuration in use is
     *  AsrStats.tune.config. */
    AsrTuning tuning;
    /** Reserved for future use, must be zero. */
    uint32_t reserved[10];
} AsrSettings;

/** Decoder modes (`docs/design.md#network`). */
typedef enum AsrDecoderMode {
    ASR_DECODER_HEAVY = 0,  /**< every output pixel through the heavy MLP */
    ASR_DECODER_LIGHT = 1,  /**< every output pixel through the light MLP */
    ASR_DECODER_ROUTED = 2, /**< per-pixel classifier routing, biased by k */
} AsrDecoderMode;

/** Static, never NULL, name of a decoder mode ("heavy", "light", "routed";
 *  "unknown" for a value outside the enum). */
ASR_API const char *asr_decoder_name(AsrDecoderMode mode);

/** What became of the pipeline cache file when the engine was created
 *  (AsrStats.pipelines.cache; `docs/design.md#cache`). */
typedef enum AsrPipelineCacheState {
    ASR_PIPELINE_CACHE_NONE = 0,    /**< no cache: no cache folder (ANYSR_CACHE_DIR empty),
                                         or the driver could not make one */
    ASR_PIPELINE_CACHE_USED = 1,    /**< the device's cache file was read and is in use */
    ASR_PIPELINE_CACHE_MISSING = 2, /**< no cache file yet: one is written when the engine
                                         is freed */
    ASR_PIPELINE_CACHE_IGNORED = 3, /**< the file was short, damaged or made for another
                                         device or driver: ignored, and written again when
                                         the engine is freed */
} AsrPipelineCacheState;

/**
 * Per-engine counters and the last frame's figures (asr_engine_get_stats()),
 * in groups.
 *
 * ABI rule: sizeof(AsrStats) is fixed at 512 bytes. New fields are only
 * ever appended, at the end of the struct, taken from `reserved` (which
 * shrinks by as much); no field moves, changes its type or is removed. A
 * program built against an older anysr.h reads the fields it knows, and
 * zeros where the newer fields are.
 */
typedef struct AsrStats {
    /** Counters since asr_engine_new(). */
    struct {
        uint64_t frames;              /**< frames processed */
        uint64_t weight_uploads;      /**< times the weights were uploaded to the device */
        uint64_t pipelines_created;   /**< compute pipelines created */
        uint64_t buffer_allocations;  /**< device buffers allocated (grow-only pool) */
        uint64_t configures;          /**< successful asr_engine_configure() calls */
        uint64_t validation_messages; /**< validation-layer messages seen */
    } counts;
    /** Times of the last frame, ms. */
    struct {
        double gpu_ms;      /**< GPU time, all stages */
        double upload_ms;   /**< GPU time of the input stage (copy + unpack) */
        double encoder_ms;  /**< GPU time of the encoder (LR) passes */
        double decoder_ms;  /**< GPU time of the decoder (HR) passes */
        double compute_ms;  /**< GPU time of the network (encoder + decoder) */
        double download_ms; /**< GPU time of the output stage (pack + copy) */
        double wall_ms;     /**< wall time of the last asr_engine_process() */
    } time;
    /** The operating point the last frame ran. */
    struct {
        int32_t subnet;         /**< ladder index actually run; ASR_SUBNET_BICUBIC for the
                                     bicubic floor (then width, depth and macs are 0,
                                     heavy_fraction 0) */
        uint32_t width;         /**< encoder block width c of that subnet */
        uint32_t depth;         /**< encoder depth d of that subnet */
        AsrDecoderMode decoder; /**< decoder used */
        float k;                /**< routing knob used (routed decoder) */
        float depth_target;     /**< spatial depth target the frame ran (AsrOpChoice
                                     depth_target resolved): 1 = every pixel ran every
                                     block of the subnet (fixed depth, or no adapter) */
        double heavy_fraction;  /**< share of output pixels on the heavy MLP (1 heavy, 0 light;
                                     routed: counted on the device, before refinement) */
        double macs;            /**< multiply-accumulates of the frame (cost model; with a
                                     depth target below 1, of the blocks that ran, plus
                                     the depth adapter) */
        double mean_depth;      /**< blocks the frame's LR pixels ran on average
                                     (= depth at fixed depth) */
        double macs_skipped;    /**< share of the subnet's full-depth encoder MACs the
                                     frame's depth map skipped, [0, 1) (0 at fixed
                                     depth); macs counts only the work that ran */
        int32_t point;          /**< index of the frame's operating point in the list of
                                     asr_engine_get_op_point(), -1 when it is not in the
                                     list */
    } op;
    /** The QoS controller (asr_engine_set_target()). */
    struct {
        double budget_ms;            /**< frame budget of the last frame, 1000 / target fps
                                          (0: adaptation off) */
        double predicted_ms;         /**< the controller's predicted wall time of the last
                                          frame (0: adaptation off or nothing measured yet) */
        double fps_estimate;         /**< frames per second the engine sustains at its recent
                                          operating points: 1000 / a moving average of
                                          time.wall_ms (0 before the first frame) */
        uint64_t switches;           /**< times the controller changed the operating point */
        uint64_t frames_over_budget; /**< frames whose wall time exceeded the budget while
                                          adaptation was on */
        int32_t budget_unmeetable;   /**< 1 while even the cheapest point runs (or is
                                          predicted) over the frame budget; 0 otherwise and
                                          when adaptation is off */
    } qos;
    /** What the engine runs with: kernels, precision, bands. */
    struct {
        AsrPrecision precision;  /**< in use: ASR_PRECISION_FP16 or _FP32 */
        AsrKernels kernels;      /**< of the encoder's convolutions in use:
                                      ASR_KERNELS_SIMT or ASR_KERNELS_COOPMAT */
        uint32_t encoder_bands;  /**< bands of input rows the encoder runs in (1: untiled) */
        uint32_t decoder_bands;  /**< bands of output rows the decoder runs in (1: untiled) */
    } plan;
    /** Memory of the engine's live Vulkan buffers (device-local and
     *  host-visible staging), bytes. */
    struct {
        uint64_t device_bytes;      /**< now */
        uint64_t device_bytes_peak; /**< the most device_bytes has been since asr_engine_new() */
    } memory;
    /** Why the QoS controller is where it is (`docs/design.md#controller`);
     *  zero while adaptation is off. Appended after the groups above. */
    struct {
        uint32_t reason;      /**< of the last decision: asr_qos_reason_name() */
        uint32_t dwell;       /**< frames the current point has been kept */
        uint32_t room;        /**< consecutive frames with room for the next point up */
        uint32_t room_needed; /**< frames with room a step up (a probe) to it needs: doubles
                                   after a failed probe, up to 128 */
        int32_t host_floor;   /**< 1: the last frame ran the caller's floor
                                   (asr_engine_set_host_floor()), not the engine */
        uint32_t pad_;        /**< zero */
        double floor_ms;      /**< the floor's measured cost the controller used (the
                                   cheaper of the caller's floor and the bicubic pass);
                                   0: predicted from the MAC model */
        double host_floor_ms; /**< the caller's floor, as reported (0: none) */
        double device_floor_ms; /**< the engine's bicubic pass at the current sizes,
                                     measured (0: not run yet) */
        double prior_gmacs;   /**< the device's probed speed the controller starts from,
                                   GMAC/s at the network's expected efficiency (0: none) */
    } ctrl;
    /** The compute pipelines and their cache (`docs/design.md#kernels`,
     *  `docs/design.md#cache`). Appended after the groups above. */
    struct {
        uint32_t described;      /**< pipelines the engine's passes may need (the
                                      passes that exist now); each is
                                      created when a frame first runs its pass
                                      (counts.pipelines_created of them so far) */
        AsrPipelineCacheState cache; /**< the pipeline cache file at asr_engine_new() */
        uint64_t cache_bytes;    /**< bytes of that file in use (0 unless cache is
                                      ASR_PIPELINE_CACHE_USED) */
        double create_ms;        /**< wall time spent creating pipelines since
                                      asr_engine_new(), ms */
        double frame_create_ms;  /**< of that, in the last frame (a part of its
                                      time.wall_ms) */
    } pipelines;
    /** The kernel configuration in use (`docs/design.md#kernels`, "Tuning"). */
    struct {
        char config[64];    /**< as text, e.g. "band 8x4:12x8b tiled 8x2:16x8b mlp ubo
                                 nsg 4" (SIMT blocks LXxLY:PXxCOB, b: weight broadcast) */
        uint32_t source;    /**< where it came from: 0 the device's built-in choice, 1 the
                                 tuning cache, 2 timed when the engine opened; plus 4 when
                                 an ANYSR_CONV_BLOCK, ANYSR_CM_NSG or ANYSR_MLP_SSBO
                                 override changed it */
        uint32_t timed;     /**< candidates timed when the engine opened (0: none) */
        uint32_t rejected;  /**< of those, candidates whose output differed from the
                                 built-in choice's (never picked) */
        uint32_t pad_;      /**< zero */
        double tune_ms;     /**< wall time the tuner took when the engine opened */
    } tune;
    /** Reserved for fields appended later (the ABI rule above); zero. */
    uint64_t reserved[11];
} AsrStats;

/** Static, never NULL, name of AsrStats.ctrl.reason ("start", "hold", "room",
 *  "over budget", "downstream late", ...; "unknown" outside the list). */
ASR_API const char *asr_qos_reason_name(uint32_t reason);


/**
 * An operating point: which subnet (ladder index, 0 = cheapest) and which
 * decoder to run. subnet -1 means the largest subnet the scale group of the
 * current configuration allows (asr_engine_subnet_cap()); an explicit subnet
 * runs as asked, above the cap too. With adaptation on, the controller never
 * goes above the cap nor above an explicit subnet.
 */
/** Subnet value of the QoS controller's floor, the bicubic pass (no network),
 *  in asr_engine_get_op_point() and AsrStats.op.subnet. Not accepted by
 *  asr_engine_set_op(). */
#define ASR_SUBNET_BICUBIC (-2)

/** An operating point for asr_engine_set_op() (described above
 *  ASR_SUBNET_BICUBIC): subnet, decoder, k and depth target. */
typedef struct AsrOpChoice {
    /** Ladder index, 0 = cheapest; -1 = the largest the scale group allows. */
    int32_t subnet;
    /** Decoder mode: heavy, light or routed. */
    AsrDecoderMode decoder;
    float k; /**< routing knob: larger routes more pixels to the light MLP */
    /** Spatial depth target (AdaDSR, models with a depth adapter): the mean
     *  share of the subnet's residual blocks that the tiles of the frame run,
     *  each tile as many as its content needs. 0: the model's default
     *  (asr_engine_default_depth_target()); >= 1: every tile runs every block
     *  (fixed depth); otherwise in (0, 1). Ignored by models without an
     *  adapter. */
    float depth_target;
} AsrOpChoice;

/** An engine: a Vulkan device, a model on it and a frame configuration.
 *  Opaque; created by asr_engine_new(), released by asr_engine_free(). */
typedef struct AsrEngine AsrEngine;

/** Fill `s` with defaults (reads ANYSR_VALIDATION). `s` must not be NULL. */
ASR_API void asr_settings_default(AsrSettings *s);

/**
 * Create an engine: open the Vulkan device and its pipeline cache (the
 * user's cache folder, `docs/design.md#cache`), create the passes, upload
 * the weights. A pass's pipeline is created when a frame first runs it
 * (asr_engine_process(); AsrStats.pipelines).
 *
 * @param s    settings (read, not kept; strings are copied)
 * @param out  receives the new engine, owned by the caller, released with
 *             asr_engine_free(). Set to NULL on failure.
 * @return ASR_OK; ASR_ERROR_INVALID_ARGUMENT; ASR_ERROR_NO_DEVICE when no
 *         Vulkan loader or device is usable, or none has the requested
 *         index (the log says which, and that Mesa's lavapipe, package
 *         mesa-vulkan-drivers, is a CPU device);
 *         ASR_ERROR_VULKAN; ASR_ERROR_NO_MEMORY; ASR_ERROR_MODEL when the
 *         model (settings.model_path, or the embedded default) is missing,
 *         malformed or invalid: the model is validated before any device
 *         work, the reason is logged at ASR_LOG_ERROR, and
 *         asr_model_check_file() returns the same reason as a string.
 */
ASR_API AsrStatus asr_engine_new(const AsrSettings *s, AsrEngine **out);

/**
 * Set the input and output frame descriptions. May be called again at any
 * time between frames; only activation buffers are re-allocated (grow-only).
 *
 * @return ASR_OK; ASR_ERROR_INVALID_ARGUMENT (NULL, zero size, unknown
 *         format); ASR_ERROR_UNSUPPORTED when the formats differ, or a
 *         per-axis scale out/in lies outside [ASR_SCALE_MIN, ASR_SCALE_MAX]
 *         (asr_engine_last_error() says which); ASR_ERROR_NO_MEMORY;
 *         ASR_ERROR_VULKAN. On failure the previous configuration is kept.
 */
ASR_API AsrStatus asr_engine_configure(AsrEngine *e, const AsrFrameInfo *in,
                                       const AsrFrameInfo *out);

/**
 * Upscale one frame, synchronously: returns when `out` holds the result.
 * `in` and `out` are read / written only during the call. The first frame
 * that runs a pass creates its pipeline (AsrStats.pipelines.frame_create_ms).
 *
 * @return ASR_OK; ASR_ERROR_NOT_CONFIGURED; ASR_ERROR_INVALID_ARGUMENT
 *         (NULL plane or too small a stride); ASR_ERROR_VULKAN (also when a
 *         pipeline the frame needs cannot be created: asr_engine_last_error()
 *         names its pass; the next frame tries again); ASR_ERROR_NO_MEMORY;
 *         ASR_ERROR_DEVICE_LOST.
 */
ASR_API AsrStatus asr_engine_process(AsrEngine *e, const AsrFrame *in, AsrFrame *out);

/** Copy the engine's counters into `stats`. Returns ASR_OK or
 *  ASR_ERROR_INVALID_ARGUMENT. */
ASR_API AsrStatus asr_engine_get_stats(const AsrEngine *e, AsrStats *stats);

/** Name of the Vulkan device in use (e.g. "llvmpipe (LLVM 15.0.6, 256 bits)").
 *  Owned by the engine, valid until asr_engine_free(). */
ASR_API const char *asr_engine_device_name(const AsrEngine *e);

/** Message of the engine's last failure, "" if none. Owned by the engine,
 *  valid until the next call on it. */
ASR_API const char *asr_engine_last_error(const AsrEngine *e);

/** Number of subnets (ladder rungs) of the loaded model, cheapest first, or a
 *  negative AsrStatus. */
ASR_API int asr_engine_num_subnets(const AsrEngine *e);

/** Encoder width and depth of ladder rung `subnet`. Returns ASR_OK or
 *  ASR_ERROR_INVALID_ARGUMENT. */
ASR_API AsrStatus asr_engine_get_subnet(const AsrEngine *e, int subnet, uint32_t *width,
                                        uint32_t *depth);

/** Largest subnet the scale group of the current configuration allows
 *  (by max(sx, sy), from the model's caps), or ASR_ERROR_NOT_CONFIGURED. */
ASR_API int asr_engine_subnet_cap(const AsrEngine *e);

/** The model's default routing knob k (from its metadata). */
ASR_API float asr_engine_default_k(const AsrEngine *e);

/** The model's default spatial depth target, in (0, 1]; 1 for a model
 *  without a depth adapter (every pixel runs the subnet's depth). */
ASR_API float asr_engine_default_depth_target(const AsrEngine *e);

/**
 * Choose the operating point used by the following asr_engine_process()
 * calls. Cheap (no allocation, no pipeline creation, no upload): it may be
 * called before every frame. With adaptation on (asr_engine_set_target()),
 * the choice is the controller's ceiling and decoder instead: its subnet
 * (unless -1) caps the points the controller may pick, its decoder and k
 * define the list of asr_engine_get_op_point() (a change of decoder resets
 * the controller's learned costs), and so does its depth target (the top
 * target of every subnet in that list). Returns ASR_OK or
 * ASR_ERROR_INVALID_ARGUMENT (subnet < -1 or >= asr_engine_num_subnets(),
 * unknown decoder, k not finite, depth_target negative or NaN).
 * The default after asr_engine_new() is {-1, ASR_DECODER_ROUTED, default k,
 * depth_target 0 (the model's default)}.
 */
ASR_API AsrStatus asr_engine_set_op(AsrEngine *e, const AsrOpChoice *op);

/**
 * Operating points of the QoS controller, ordered by cost, cheapest first.
 * The list follows the decoder, k and depth target T of the current
 * asr_engine_set_op() choice (T resolved: 0 = the model's default, >= 1 and
 * any T of a model without a depth adapter = 1, fixed depth):
 *   - ASR_DECODER_ROUTED (the default) or ASR_DECODER_HEAVY: {subnet 0,
 *     ASR_DECODER_LIGHT, T}, and {subnet i, that decoder, t} for every
 *     subnet i and every t among the model's depth points below T, and T;
 *   - ASR_DECODER_LIGHT: {subnet i, ASR_DECODER_LIGHT, t} for the same
 *     subnets and targets.
 * Every point's depth_target is the target it runs: 1 (fixed depth) for a
 * model without a depth adapter, which so has num_subnets + 1 points
 * (routed, heavy) or num_subnets points (light), in subnet order. With a
 * depth adapter (e.g. depth points {0.4}, default target 0.65: two points
 * per subnet, 0.4 and 0.65; T = 1: three, 0.4, 0.65 and 1), the points are
 * sorted by their nominal cost at the configured sizes (before the first
 * asr_engine_configure(): at 64x64 -> 128x128): multiply-adds with the
 * blocks scaled by t, routed at a heavy fraction of 0.5; so a larger subnet
 * at a low target may come before a smaller one at T. The list holds at
 * most 16 points: where the model's depth points would make more, each
 * subnet keeps only the highest of its targets below T that fit (the
 * default model's 4 subnets x 3 targets fit).
 * While adaptation is on (asr_engine_set_target() with a target > 0) the
 * bicubic floor comes first, below them all: point 0 is
 * {ASR_SUBNET_BICUBIC, the chosen decoder, k, T} (the engine's bicubic pass,
 * no network; its decoder, k and depth_target mean nothing), and the count
 * grows by one.
 * The floor's whole-frame buffers are allocated only while adaptation is
 * on; a configuration they do not fit (device limits, memory budget) runs
 * without the floor.
 * asr_engine_num_op_points() returns the count (or a negative AsrStatus);
 * asr_engine_get_op_point() fills `op` with point `point` and returns ASR_OK
 * or ASR_ERROR_INVALID_ARGUMENT (NULL, point out of range). The list, and
 * with it the point indices, may change when asr_engine_set_op(),
 * asr_engine_set_target() or asr_engine_configure() is called (a point's
 * learned costs follow it).
 */
ASR_API int asr_engine_num_op_points(const AsrEngine *e);
/** Fills `op` with operating point `point` of the list (see
 *  asr_engine_num_op_points()). */
ASR_API AsrStatus asr_engine_get_op_point(const AsrEngine *e, int point, AsrOpChoice *op);

/**
 * Hold a frame rate: from the next asr_engine_process() on, the QoS
 * controller picks the operating point of every frame (`docs/design.md#controller`):
 * the best point of the list above whose predicted wall time fits
 * headroom * budget, budget = 1000 / target_fps ms; one step down at once
 * when a frame's wall time (the whole asr_engine_process() call) runs over
 * the budget or asr_engine_report_qos() says downstream is late; one step up
 * only after several frames (8, more after a failed climb) with room for the
 * next point. Its cheapest point is the bicubic floor (see
 * asr_engine_num_op_points()). Its cost model (ms per MAC of each point, host ms per pixel) is
 * learned online and carries over configuration changes; the MACs of a
 * point with a depth target below 1 depend on the content (the blocks its
 * tiles ran), so they are predicted from the MACs per input pixel its
 * recent frames ran (a moving average; the nominal t x depth before its
 * first frame). Never above the ceiling: the scale-group cap
 * (asr_engine_subnet_cap()), lowered further by the subnet of
 * asr_engine_set_op() when that is not -1 (the user's subnet acts as a
 * ceiling); no point of a larger subnet is picked either, wherever its
 * depth target places it in the list. Decisions are logged at ASR_LOG_DEBUG; the stats say
 * what happened (AsrStats.op.point, and qos: budget_ms, predicted_ms,
 * budget_unmeetable, switches, frames_over_budget).
 *
 * @param target_fps  frames per second to hold; 0 turns adaptation off (the
 *                    asr_engine_set_op() choice runs again, the learned cost
 *                    model is kept)
 * @param headroom    share of the budget to plan for, in [0.5, 1.0]; 0 selects
 *                    the default ASR_HEADROOM_DEFAULT (0.85)
 * @return ASR_OK; ASR_ERROR_INVALID_ARGUMENT (e NULL, target_fps negative or
 *         not finite, headroom outside [0.5, 1.0] and not 0). Cheap (no
 *         allocation, no device work), except that turning adaptation on
 *         for a configured engine allocates the bicubic floor's buffers once
 *         (they stay while adaptation is off again; asr_engine_configure()
 *         drops them from the plan when adaptation is off).
 */
ASR_API AsrStatus asr_engine_set_target(AsrEngine *e, double target_fps, double headroom);

/**
 * A floor of the caller's own (`docs/design.md#controller`): a scaler that
 * makes the output frame without the engine, e.g. GStreamer's CPU scaler.
 * `ms` is its measured time for one frame of the current configuration
 * (> 0; 0 removes it). Report it once before adaptation needs it (a
 * calibration frame) and again after every frame it ran (a moving average
 * follows them); asr_engine_configure() forgets it (other sizes).
 *
 * While adaptation is on, the floor (point 0) is whichever of this and the
 * engine's bicubic pass costs less, by measurement (the bicubic pass by
 * its measured time once it has run, before that by the controller's
 * prediction for it; with neither, the caller's floor): the controller
 * never holds the stream below the cheaper floor's speed. When it puts a
 * frame on the caller's floor, asr_engine_process() does no device work,
 * writes nothing to the output, counts the frame in AsrStats (op.subnet
 * ASR_SUBNET_BICUBIC, op.point 0, ctrl.host_floor 1, time.wall_ms this
 * floor's time) and returns ASR_HOST_FLOOR: the caller makes the frame,
 * then reports its time here.
 *
 * @return ASR_OK; ASR_ERROR_INVALID_ARGUMENT (e NULL, ms negative or not
 *         finite).
 */
ASR_API AsrStatus asr_engine_set_host_floor(AsrEngine *e, double ms);

/** The share of the frame budget the QoS controller plans for when
 *  asr_engine_set_target() is given a headroom of 0. */
#define ASR_HEADROOM_DEFAULT 0.85

/**
 * Report downstream quality of service (GStreamer's GST_EVENT_QOS): the
 * proportion (> 1: downstream is late, the controller steps down once at the
 * next frame) and the jitter in nanoseconds (> 0: late by that much). Only
 * the latest report counts; it is consumed by the next asr_engine_process()
 * with adaptation on. Unlike the other engine functions, this one may be
 * called from any thread, also during asr_engine_process() (e.g. from a pad's
 * event handler), but not during asr_engine_free().
 *
 * @return ASR_OK; ASR_ERROR_INVALID_ARGUMENT (e NULL, proportion negative or
 *         not finite).
 */
ASR_API AsrStatus asr_engine_report_qos(AsrEngine *e, double proportion, int64_t jitter_ns);

/**
 * Shrink the pool of size-dependent device and staging buffers to what the
 * current configuration needs (all of them when not configured): the pool
 * only grows on asr_engine_configure(); call this after a resolution drop to
 * give the memory back. Waits for nothing (no frame is in flight between
 * calls); no weight upload, no pipeline creation.
 *
 * @return ASR_OK; ASR_ERROR_INVALID_ARGUMENT; ASR_ERROR_NO_MEMORY or
 *         ASR_ERROR_VULKAN when a smaller buffer could not be allocated (the
 *         larger one is kept, the engine stays usable).
 */
ASR_API AsrStatus asr_engine_trim(AsrEngine *e);

/**
 * Stop the frame in progress and refuse new ones (cancel != 0), or accept
 * frames again (cancel == 0). May be called from any thread, also while
 * asr_engine_process() runs in another: that call returns
 * ASR_ERROR_CANCELLED soon after (the device finishes the submission in
 * flight first, waited for at most 2 s; on a CPU device such as lavapipe a
 * frame is split into submissions of bounded length for this), and so does
 * every later call until cancel is cleared. The output frame of a cancelled
 * call is undefined. The engine stays usable.
 *
 * @return ASR_OK; ASR_ERROR_INVALID_ARGUMENT when e is NULL.
 */
ASR_API AsrStatus asr_engine_cancel(AsrEngine *e, int cancel);

/**
 * Cost model: multiply-accumulates of one frame of the current configuration
 * for `subnet` (-1: the scale cap) and `decoder`, with `heavy_fraction` of
 * the output pixels on the heavy MLP when routed (ignored otherwise), at
 * fixed depth (every block on every pixel; a frame with a depth target
 * below 1 runs less: AsrStats.op.macs).
 * Returns a negative value when not configured or on a bad argument.
 */
ASR_API double asr_engine_cost_macs(const AsrEngine *e, int subnet, AsrDecoderMode decoder,
                                    double heavy_fraction);

/**
 * Per-pass profile of a frame: the last frame's GPU time, multiply-adds and
 * bytes moved, summed per pass, for a roofline (anysr-bench --roofline,
 * docs/benchmarks.md).
 *
 * Rows come in execution order, one per pass name, each the sum of every
 * dispatch of that name in the frame (all bands, all blocks): "copy.in"
 * (staging -> device copy), "unpack", "head", "block.conv1", "block.gap",
 * "block.sa", "block.conv2", "tail", then the decoder's "bilinear" (alpha
 * formats), "classify", "args", "mlp.heavy", "mlp.light", "refine" (routed:
 * classify, args and refine; heavy / light: one of the MLPs), "pack",
 * "copy.out" (device -> staging copy); the bicubic path has "bicubic"
 * instead of the network. On a CPU device a frame is split into several
 * submissions (asr_engine_cancel()): the time between two of them (the
 * host's wait and the resubmission) is the row "split.wait". The rows'
 * gpu_ms add up to AsrStats.time.gpu_ms (to within the few commands
 * outside any row).
 *
 * gpu_ms: a GPU timestamp is written after every dispatch, so a pass's time
 * is from the end of the previous one to its own end (copies, fills and
 * barriers before it included). GPUs that overlap consecutive dispatches
 * without a barrier between them (the bands of one conv, the two MLP
 * lists) blur the split between those rows, not their sum.
 *
 * macs: multiply-adds the pass issues. Their sum is AsrStats.op.macs (the
 * cost model, asr_engine_cost_macs()) plus the head conv the tail
 * recomputes from the LR image (27 x F per input pixel, F the model's
 * width) plus decoder rows computed twice where decoder bands overlap
 * (one row per band boundary, routed: two more). List-dispatched MLPs
 * (routed) count the pixels the classifier put on each list, read back
 * after the frame. GAP, args, refine, bilinear, unpack, pack and the copies
 * have none.
 *
 * bytes: a traffic model, not a measurement: each input element read once
 * per output pixel that reads it (a conv reads its band's input once, not
 * 9 times; a decoder pixel reads the F features of its nearest LR pixel),
 * weights once per dispatch, each output element written once; feature
 * maps at 2 bytes per value in fp16 and 4 in fp32, float images 4, frame
 * bytes as they are; a copy counts its bytes read and written.
 */
typedef struct AsrPassProfile {
    char name[32];        /**< pass name, NUL-terminated ("block.conv1") */
    uint32_t dispatches;  /**< dispatches (copies: commands) of the pass in the frame */
    double gpu_ms;        /**< GPU time, ms (0 without GPU timestamps) */
    double macs;          /**< multiply-adds */
    double bytes;         /**< bytes moved (the traffic model) */
} AsrPassProfile;

/**
 * Turn the per-pass profile on (enable != 0) or off. Off by default; off
 * costs nothing (no timestamps are written). On, every frame writes a GPU
 * timestamp after each dispatch into a query pool that grows, bounded
 * (64 K stamps), to the frame's count: the first frame of a configuration
 * with more dispatches than the pool holds charges the rest of the frame
 * to a row "untimed", the next frames are whole. Turning it off drops the
 * profile.
 *
 * @return ASR_OK; ASR_ERROR_INVALID_ARGUMENT (e NULL); ASR_ERROR_NO_MEMORY;
 *         ASR_ERROR_DEVICE_LOST (off: a cancelled frame never finished).
 */
ASR_API AsrStatus asr_engine_set_profiling(AsrEngine *e, int enable);

/**
 * The last successful frame's profile (see AsrPassProfile): copies at most
 * `max` rows to `out` and returns how many it copied; with out NULL returns
 * how many there are. 0 when profiling is off, before the first profiled
 * frame, or when e is NULL.
 */
ASR_API uint32_t asr_engine_get_profile(const AsrEngine *e, AsrPassProfile *out, uint32_t max);

/** The device's ceilings (asr_engine_probe_ceiling()). */
typedef struct AsrDeviceCeiling {
    double fp32_gflops; /**< fp32 multiply-adds per second / 1e9, i.e. GMAC/s (an FMA counts
                             once here: GFLOP/s in the two-ops-per-FMA sense is twice this) */
    double fp16_gflops; /**< the same in fp16 arithmetic; 0 when the device has no
                             shaderFloat16 */
    double copy_gbps;   /**< buffer-to-buffer copy by a shader, bytes read + written per
                             second / 1e9 */
} AsrDeviceCeiling;

/**
 * Measure the device's multiply-add ceiling and copy bandwidth: a shader of
 * independent register-only multiply-add chains (16 per invocation, enough
 * workgroups for every core; fp32, and fp16 where the device has
 * shaderFloat16) and a vec4 buffer copy (64 MiB, 16 MiB on a CPU device),
 * each timed with GPU timestamps, the best of 3 runs. Takes a fraction of
 * a second on a GPU, a few seconds on lavapipe. Creates its pipelines and
 * buffers for the call (they count in AsrStats.counts.pipelines_created,
 * counts.buffer_allocations and memory.device_bytes_peak) and releases them. Needs no
 * configuration.
 *
 * @return ASR_OK; ASR_ERROR_INVALID_ARGUMENT; ASR_ERROR_UNSUPPORTED (the
 *         queue has no timestamps); ASR_ERROR_NO_MEMORY; ASR_ERROR_VULKAN;
 *         ASR_ERROR_DEVICE_LOST. On failure *out is zeroed.
 */
ASR_API AsrStatus asr_engine_probe_ceiling(AsrEngine *e, AsrDeviceCeiling *out);

/** Release the engine and every resource it holds; sets *e to NULL.
 *  Accepts NULL and a pointer to NULL. */
ASR_API void asr_engine_free(AsrEngine **e);

/**
 * Validate a model file without creating an engine (no Vulkan needed): the
 * same checks asr_engine_new() makes with settings.model_path = path.
 * Thread-safe.
 *
 * @param path  the .safetensors file
 * @param msg   receives the reason of a failure ("" on success), NUL-terminated,
 *              at most len bytes; may be NULL
 * @return ASR_OK; ASR_ERROR_INVALID_ARGUMENT (path NULL); ASR_ERROR_NO_MEMORY;
 *         ASR_ERROR_MODEL (unreadable, malformed or invalid file: msg names the
 *         field or tensor, e.g. "missing tensor 'dec.cls.bias'").
 */
ASR_API AsrStatus asr_model_check_file(const char *path, char *msg, size_t len);

/**
 * Number of Vulkan physical devices visible, or a negative AsrStatus
 * (ASR_ERROR_NO_DEVICE when no loader / driver is present). Thread-safe.
 */
ASR_API int asr_device_count(void);

#ifdef __cplusplus
}
#endif

#endif /* ANYSR_ANYSR_H */
