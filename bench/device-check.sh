#!/usr/bin/env bash
# The device check: what a first run on a new GPU must show, in one command
# (docs/benchmarks.md#the-device-check).
#
#   ./device-check [--out DIR] [--device N]          in an unpacked bench bundle
#   bash bench/device-check.sh --build BUILD_DIR ...  from the source tree
#   ... --dry-run                                     the same steps at tiny sizes
#                                                     (CI runs it on lavapipe)
#
# Steps, each timed, all output also in OUT/device-check.log:
#  1. tune: anysr-bench --tune at 1280x720 x2 (the tuner times its candidate
#     kernel configurations on this device and caches the winners; the
#     later steps reuse them), printing every candidate's time per role;
#  2. the table: for 640x360, 1280x720 and 1920x1080 at x2, for SIMT and
#     cooperative-matrix kernels and fp16 and fp32 feature maps (the
#     cooperative-matrix kernels need fp16 maps: that pair is "n/a"), three
#     ops: the full op (largest rung, heavy decoder, every block: depth target
#     1), the cheapest op (rung 0, light decoder) and the full op at the
#     model's default depth target; GPU ms, fps and GMAC/s of each, and which
#     kernels and precision the engine really ran (a device without
#     cooperative matrices runs SIMT: the row says so). OUT/device-check.csv
#     holds every row;
#  3. the roofline: the device's probed ceilings (fp32/fp16 GMAC/s, copy GB/s)
#     and each pass of the full op at 1280x720 against them
#     (OUT/roofline.csv);
#  4. the golden check on this device: the network against the PyTorch golden
#     vectors, every kernels x precision variant the device has.
# Exit status: 0 when every step ran and the golden check passed.
#
# A dry run (--dry-run) takes sizes of 24x16 and 32x24, one timed frame
# and no warm-up, and a tuning bound of a few seconds: it checks the script,
# the bundle and every step on any Vulkan device in about a minute.
#
# Environment: PYTHON (default python3: the summary table), ANYSR_* as every
# anysr program (docs/design.md#settings).
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=device-check-out
build=
device=
dry=0
usage() {
  echo "usage: $0 [--build BUILD_DIR] [--out DIR] [--device N] [--dry-run]" >&2
  exit 2
}
while [ $# -gt 0 ]; do
  case "$1" in
    --build) [ $# -ge 2 ] || usage; build=$2; shift 2 ;;
    --out) [ $# -ge 2 ] || usage; out=$2; shift 2 ;;
    --device) [ $# -ge 2 ] || usage; device=$2; shift 2 ;;
    --dry-run) dry=1; shift ;;
    *) usage ;;
  esac
done

# The programs: the bundle's (run-bench beside this script) or a build folder's.
if [ -n "$build" ]; then
  build=$(cd "$build" && pwd) || exit 1
  bench=("$build/bench/anysr-bench")
  golden=("$build/tests/net/test-golden")
  golden_file=$(cd "$here/.." && pwd)/tests/golden/golden.safetensors
elif [ -x "$here/run-bench" ]; then
  bench=("$here/run-bench")
  golden=("$here/run-bench" --exec "$here/bin/test-golden")
  golden_file=$here/golden/golden.safetensors
else
  echo "device-check: not in a bench bundle (no run-bench beside this script): give --build BUILD_DIR" >&2
  exit 2
fi
python=${PYTHON:-python3}
mkdir -p "$out" || exit 1
out=$(cd "$out" && pwd)
log=$out/device-check.log
csv=$out/device-check.csv
: >"$log"

if [ "$dry" = 1 ]; then
  sizes=(24x16 32x24)
  frames=(--frames 1 --warmup 0)
  roof_size=32x24
  tune_size=32x24
else
  sizes=(640x360 1280x720 1920x1080)
  frames=(--frames 10 --warmup 3)
  roof_size=1280x720
  tune_size=1280x720
fi
common=(--scale 2 --no-torch --no-bicubic)
[ -z "$device" ] || common+=(--device "$device")

start=$(date +%s)
failed=0
say() { echo "$*" | tee -a "$log"; }
# run TITLE CMD...: the command's output to the terminal and the log
run() {
  local title=$1 t0 rc
  shift
  t0=$(date +%s)
  say "== $title"
  say "\$ $*"
  "$@" 2>&1 | tee -a "$log"
  rc=${PIPESTATUS[0]}
  say "-- $title: exit $rc, $(( $(date +%s) - t0 )) s"
  return "$rc"
}

# 1. tune
tune=(--tune)
[ "$dry" = 0 ] || tune+=(--tune-bound 4)
if "${bench[@]}" --help 2>&1 | grep -q -- '--tune'; then
  run "tune ($tune_size x2)" "${bench[@]}" "${common[@]}" --size "$tune_size" "${frames[@]}" \
      "${tune[@]}" || failed=1
else
  say "== tune: this anysr-bench has no --tune: skipped"
  failed=1
fi

# 2. the table
rows=$out/rows
rm -rf "$rows"
mkdir -p "$rows"
for size in "${sizes[@]}"; do
  for kernels in simt coopmat; do
    for precision in fp16 fp32; do
      tag=$size-$kernels-$precision
      if [ "$kernels" = coopmat ] && [ "$precision" = fp32 ]; then
        echo "n/a: the cooperative-matrix kernels need fp16 feature maps" >"$rows/$tag.na"
        continue
      fi
      # full op at depth target 1 and the cheapest op; then the full op at
      # the model's default depth target
      ANYSR_KERNELS=$kernels run "$tag, every block" "${bench[@]}" "${common[@]}" \
          --size "$size" "${frames[@]}" --precision "$precision" --subnet 0 \
          --decoder light --depth-target 1 --csv "$rows/$tag-d1.csv" || failed=1
      ANYSR_KERNELS=$kernels run "$tag, default depth target" "${bench[@]}" "${common[@]}" \
          --size "$size" "${frames[@]}" --precision "$precision" --subnet 0 \
          --decoder light --csv "$rows/$tag-dd.csv" || failed=1
      grep -h '^anysr-bench\|^device memory' "$log" | tail -n 4 >"$rows/$tag.header"
    done
  done
done

# 3. the roofline
run "roofline ($roof_size x2, full op)" "${bench[@]}" "${common[@]}" --size "$roof_size" \
    "${frames[@]}" --subnet 0 --decoder light --roofline --profile-csv "$out/roofline.csv" ||
  failed=1

# 4. the golden check
if [ -x "${golden[-1]}" ] && [ -f "$golden_file" ]; then
  run "golden check" "${golden[@]}" "$golden_file" || failed=1
else
  say "== golden check: ${golden[-1]} or $golden_file is missing (a build without -Dtests=true): FAILED"
  failed=1
fi

# The summary: one table from every row's CSV, and device-check.csv.
say "== summary"
"$python" - "$rows" "$csv" "${sizes[@]}" <<'EOF' 2>&1 | tee -a "$log"
import csv, os, re, sys
rows_dir, out_csv, sizes = sys.argv[1], sys.argv[2], sys.argv[3:]
table = []
for size in sizes:
    for kernels in ("simt", "coopmat"):
        for precision in ("fp16", "fp32"):
            tag = "%s-%s-%s" % (size, kernels, precision)
            na = os.path.join(rows_dir, tag + ".na")
            if os.path.exists(na):
                table.append([size, kernels, precision, "-", "-", "-", "", "", "", "",
                              open(na).read().strip()])
                continue
            header = ""
            hpath = os.path.join(rows_dir, tag + ".header")
            if os.path.exists(hpath):
                header = open(hpath).read()
            ran_k = re.findall(r"kernels (\w+)", header)
            ran_p = re.findall(r"feature maps (fp\d+)", header)
            note = []
            if ran_k and ran_k[-1] != kernels:
                note.append("ran %s" % ran_k[-1])
            if ran_p and ran_p[-1] != precision:
                note.append("ran %s" % ran_p[-1])
            for suffix, which in (("d1", ("cheapest", "full")), ("dd", ("full, default depth",))):
                path = os.path.join(rows_dir, "%s-%s.csv" % (tag, suffix))
                if not os.path.exists(path):
                    table.append([size, kernels, precision, "/".join(which), "-", "-", "",
                                  "", "", "", "missing: the run failed"])
                    continue
                ops = list(csv.DictReader(open(path)))
                ops = [o for o in ops if o["op"] == "net"]
                picks = []
                if suffix == "d1" and ops:
                    picks = [("cheapest", min(ops, key=lambda o: float(o["macs"]))),
                             ("full", max(ops, key=lambda o: float(o["macs"])))]
                elif ops:
                    picks = [("full, default depth", max(ops, key=lambda o: float(o["macs"])))]
                for name, o in picks:
                    table.append([size, kernels, precision, name,
                                  "%s (%s,%s) %s" % (o["subnet"], o["width"], o["depth"], o["decoder"]),
                                  o["depth_target"], o["gpu_ms"], o["wall_ms"], o["fps"],
                                  o["gmacs"], "; ".join(note)])
cols = ["size", "kernels", "precision", "op", "subnet (c,d) decoder", "depth target",
        "GPU ms", "wall ms", "fps", "GMAC/s", "note"]
with open(out_csv, "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(cols)
    w.writerows(table)
print("| " + " | ".join(cols) + " |")
print("|" + "|".join("---" for _ in cols) + "|")
for r in table:
    print("| " + " | ".join(str(x) for x in r) + " |")
print("CSV: %s" % out_csv)
EOF
[ "${PIPESTATUS[0]}" = 0 ] || failed=1
say "device-check: $(( $(date +%s) - start )) s, $([ "$failed" = 0 ] && echo 'every step passed' || echo 'a step FAILED (see above)'); log $log"
exit "$failed"
