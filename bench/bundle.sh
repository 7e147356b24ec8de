#!/usr/bin/env bash
# A self-contained anysr-bench for another machine (a GPU box):
#
#   bash bench/bundle.sh BUILD_DIR OUT_DIR|OUT.tar.gz
#   meson compile -C build bench-bundle      (writes build/anysr-bench-bundle.tar.gz)
#
# The bundle (a folder, or a .tar.gz/.tgz of the folder anysr-bench-bundle/):
#   run-bench              launcher: LD_LIBRARY_PATH=lib/ (+ loader/ when the
#                          machine has no Vulkan loader), then bin/anysr-bench
#                          with --torch-script and --model pointing into the
#                          bundle (unless given)
#   bin/anysr-bench        the program of BUILD_DIR
#   bin/python             starts the PyTorch comparison's python without lib/
#   bin/test-golden        the golden check (tests/net/test-golden of BUILD_DIR)
#   golden/golden.safetensors   its vectors
#   device-check           bench/device-check.sh: tune, the table, the roofline
#                          and the golden check on that machine's GPU
#   lib/                   libanysr (when the program links it as a shared
#                          library) and every library ldd names except the C
#                          library's own (libc, libm, libdl, libpthread, librt,
#                          libresolv, libutil, ld-linux) and the Vulkan loader
#   loader/libvulkan.so.1  this machine's Vulkan loader (libanysr dlopens it),
#                          for a machine without one
#   bench/torch_bench.py, train/anysr_train/{__init__,network,model_file,safetensors_io}.py,
#   models/anysr-default.safetensors   the PyTorch comparison
#   README.txt             how to run it
# The machine needs glibc at least as new as this one's (Debian 12: 2.36), a
# Vulkan driver (its ICD json), and for the PyTorch comparison python3 with
# torch and numpy (else --no-torch).
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 BUILD_DIR OUT_DIR|OUT.tar.gz" >&2
  exit 2
fi
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$(cd "$1" && pwd)
out=$2
exe=$build/bench/anysr-bench
[ -x "$exe" ] || { echo "bundle: $exe not found: build it first (meson compile -C $1 anysr-bench)" >&2; exit 1; }

case "$out" in
  *.tar.gz|*.tgz) tarball=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
                  work=$(mktemp -d); dir=$work/anysr-bench-bundle ;;
  *) tarball=; work=; dir=$out ;;
esac
cleanup() { [ -z "$work" ] || rm -rf "$work"; }
trap cleanup EXIT
rm -rf "$dir"
mkdir -p "$dir/bin" "$dir/lib" "$dir/loader" "$dir/bench" "$dir/train" "$dir/models"

cp "$exe" "$dir/bin/anysr-bench"
golden_exe=$build/tests/net/test-golden
if [ -x "$golden_exe" ]; then
  cp "$golden_exe" "$dir/bin/test-golden"
  mkdir -p "$dir/golden"
  cp "$src/tests/golden/golden.safetensors" "$dir/golden/"
else
  echo "bundle: $golden_exe not found (a build without -Dtests=true): the bundle's device-check cannot run its golden check" >&2
  golden_exe=
fi
cp "$src/bench/device-check.sh" "$dir/device-check"
chmod +x "$dir/device-check"

# Libraries: everything ldd resolves, but the C library's own and the loader.
libs=()
while read -r name path; do
  case "$name" in
    linux-vdso.so*|ld-linux*|libc.so*|libm.so*|libdl.so*|libpthread.so*|librt.so*|\
    libresolv.so*|libutil.so*|libvulkan.so*) continue ;;
  esac
  [ -n "$path" ] || { echo "bundle: ldd cannot resolve $name for $exe" >&2; exit 1; }
  cp -L "$path" "$dir/lib/$name"
  libs+=("$name")
done < <(ldd "$exe" ${golden_exe:+"$golden_exe"} | awk '$2 == "=>" { print $1, ($3 == "not" ? "" : $3) }' | sort -u)

# The Vulkan loader: libanysr dlopens libvulkan.so.1 (src/vulkan/vk.c).
loader=$( (/sbin/ldconfig -p 2>/dev/null || ldconfig -p 2>/dev/null || true) |
          awk '$1 == "libvulkan.so.1" && /x86-64|AArch64|64bit/ { print $NF; exit }')
[ -n "$loader" ] || loader=$(ldd "$exe" | awk '$1 ~ /^libvulkan\.so/ { print $3; exit }')
for c in /usr/lib/x86_64-linux-gnu/libvulkan.so.1 /lib/x86_64-linux-gnu/libvulkan.so.1 /usr/lib64/libvulkan.so.1; do
  [ -n "$loader" ] || { [ -e "$c" ] && loader=$c; } || true
done
[ -n "$loader" ] || { echo "bundle: no libvulkan.so.1 on this machine for loader/" >&2; exit 1; }
cp -L "$loader" "$dir/loader/libvulkan.so.1"

# The PyTorch comparison: anysr-bench runs the script with train/ beside bench/
# (../train) on PYTHONPATH, for the package anysr_train.
cp "$src/bench/torch_bench.py" "$dir/bench/"
mkdir -p "$dir/train/anysr_train"
cp "$src/train/anysr_train/__init__.py" "$src/train/anysr_train/network.py" \
  "$src/train/anysr_train/model_file.py" "$src/train/anysr_train/safetensors_io.py" \
  "$dir/train/anysr_train/"
model=$src/models/anysr-default.safetensors
have_model=0
if [ -f "$model" ]; then cp "$model" "$dir/models/"; have_model=1; fi

cat >"$dir/run-bench" <<'EOF'
#!/bin/sh
# anysr-bench from this bundle (bench/bundle.sh): libraries from lib/, the
# Vulkan loader from the system, else from loader/ (ANYSR_BENCH_LOADER=bundle
# forces loader/, =system never uses it); the PyTorch comparison with the
# bundle's bench/torch_bench.py and models/ unless --torch-script/--model,
# its python (--python, default /usr/bin/python3) started through
# bin/python with the caller's LD_LIBRARY_PATH, without lib/.
here=$(cd "$(dirname "$0")" && pwd)
RUN_BENCH_LDLP=${LD_LIBRARY_PATH-}
RUN_BENCH_LDLP_SET=${LD_LIBRARY_PATH+1}
export RUN_BENCH_LDLP RUN_BENCH_LDLP_SET
LD_LIBRARY_PATH="$here/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
case "${ANYSR_BENCH_LOADER:-auto}" in
  bundle) LD_LIBRARY_PATH="$here/loader:$LD_LIBRARY_PATH" ;;
  system) ;;
  *) if ! { /sbin/ldconfig -p 2>/dev/null || ldconfig -p 2>/dev/null; } | grep -q 'libvulkan\.so\.1 '; then
       echo "run-bench: no Vulkan loader on this machine: using $here/loader/libvulkan.so.1" >&2
       LD_LIBRARY_PATH="$LD_LIBRARY_PATH:$here/loader"
     fi ;;
esac
export LD_LIBRARY_PATH
# --exec PROG ARGS...: another program of the bundle (bin/test-golden) with
# the same libraries
if [ "${1:-}" = --exec ]; then
  shift
  exec "$@"
fi
RUN_BENCH_PYTHON=/usr/bin/python3
have_script=0 have_model=0 no_torch=0 next_python=0
for a in "$@"; do
  shift
  if [ "$next_python" = 1 ]; then
    RUN_BENCH_PYTHON=$a next_python=0
    set -- "$@" "$here/bin/python"
    continue
  fi
  case "$a" in
    --python) next_python=1 ;;
    --torch-script) have_script=1 ;;
    --model) have_model=1 ;;
    --no-torch) no_torch=1 ;;
  esac
  set -- "$@" "$a"
done
export RUN_BENCH_PYTHON
set -- --python "$here/bin/python" "$@"
[ "$have_script" = 1 ] || set -- --torch-script "$here/bench/torch_bench.py" "$@"
# --model also loads the engine from that file: the same weights it embeds.
if [ "$have_model" = 0 ] && [ "$no_torch" = 0 ] && [ -f "$here/models/anysr-default.safetensors" ]; then
  set -- --model "$here/models/anysr-default.safetensors" "$@"
fi
exec "$here/bin/anysr-bench" "$@"
EOF
cat >"$dir/bin/python" <<'EOF'
#!/bin/sh
# The PyTorch comparison's interpreter (run-bench --python, default
# /usr/bin/python3) with the caller's LD_LIBRARY_PATH: the bundle's lib/
# would shadow the libraries of the machine's python and torch.
if [ -n "${RUN_BENCH_LDLP_SET:-}" ]; then export LD_LIBRARY_PATH="$RUN_BENCH_LDLP"; else unset LD_LIBRARY_PATH; fi
exec "${RUN_BENCH_PYTHON:-/usr/bin/python3}" "$@"
EOF
chmod +x "$dir/bin/python"
chmod +x "$dir/run-bench"

cat >"$dir/README.txt" <<EOF
anysr-bench bundle (anysr $(git -C "$src" describe --always --dirty 2>/dev/null || echo unknown), built $(date -u +%Y-%m-%d) on $(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME" || uname -s))

Run it from anywhere:

  ./run-bench --size 640x360 --scale 2 --csv ops.csv
  ./run-bench --size 640x360 --scale 2 --subnet all --decoder all --frames 10 --warmup 2
  ./run-bench --qos --size 640x360 --scale 2 --target-fps auto --frames 120 \\
              --load-step 40:1 --load-step 80:0 --csv qos.csv
  ./run-bench --help

Options as build/bench/anysr-bench (bench/README.md of the source tree):
--size WxH, --scale S|SX,SY, --subnet N|all, --decoder heavy|light|routed|all,
--frames N, --warmup N, --device N (index; or ANYSR_DEVICE), --csv FILE,
--no-torch (skip the PyTorch comparison), --python EXE (default /usr/bin/python3).

The device check (tune, the table of SIMT/coopmat x fp16/fp32 at 640x360,
1280x720 and 1920x1080 x2, the roofline, the golden check; CSV and log in
device-check-out/):

  ./device-check [--out DIR] [--device N] [--dry-run]

What the machine needs:
- x86-64 Linux with glibc >= the build machine's (Debian 12: 2.36);
- a Vulkan driver with its ICD json (a GPU driver, or Mesa's lavapipe);
  the Vulkan loader libvulkan.so.1 comes from the system, or, where there is
  none, from loader/ (run-bench adds it; ANYSR_BENCH_LOADER=bundle forces it,
  =system never uses it; by hand: LD_LIBRARY_PATH=\$PWD/loader);
- for the PyTorch comparison: python3 with torch and numpy (--python EXE to
  name another interpreter; it runs without lib/ on LD_LIBRARY_PATH); without
  them pass --no-torch.

lib/ holds this build machine's copies of glib, json-glib and what they
need; run-bench puts it first on LD_LIBRARY_PATH, so the Vulkan driver,
loaded into the same process, gets them too. On a much newer distribution a
driver that needs newer versions of these (libz, say) may fail to load:
then remove those from lib/, or build anysr-bench on that machine.
$( [ "$have_model" = 1 ] || printf '%s\n' "- NOTE: this bundle has no models/anysr-default.safetensors (the build tree lacked it): pass --model FILE for the PyTorch comparison.")
Contents: bin/anysr-bench; lib/ (${libs[*]:-none}); loader/libvulkan.so.1;
bench/torch_bench.py with train/anysr_train/ (the network and the model file) and
models/anysr-default.safetensors (passed as --torch-script and --model by
run-bench; --model loads the same weights libanysr embeds).
The validation layer is off unless ANYSR_VALIDATION is set (and the layer is
installed).
EOF

if [ -n "$tarball" ]; then
  tar -C "$work" -czf "$tarball.tmp" anysr-bench-bundle
  mv "$tarball.tmp" "$tarball"
  echo "bundle: $tarball ($(du -h "$tarball" | cut -f1))"
else
  echo "bundle: $dir"
fi
