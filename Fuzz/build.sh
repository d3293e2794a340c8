#!/usr/bin/env bash
# Builds the libFuzzer targets (Fuzz/targets/*.swift) outside SwiftPM, so a normal `swift build`
# never needs the fuzzer runtime: the package's own modules are compiled from Sources/ with
# -sanitize=fuzzer,address (coverage feedback + AddressSanitizer) into static libraries, then each
# target links the ones it needs. Yams is compiled from SwiftPM's checkout without instrumentation.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${FUZZ_BUILD:-$ROOT/.build/fuzz}
mkdir -p "$OUT/obj"
SAN=(-sanitize=fuzzer,address)
OPT=(-O -g -swift-version 5 -parse-as-library)
BLAS_I=$(pkg-config --cflags-only-I openblas)
LIBS=($(pkg-config --libs openblas libarchive))

# Yams' sources come with SwiftPM's dependency checkout.
YAMS=$ROOT/.build/checkouts/Yams/Sources
[ -d "$YAMS" ] || (cd "$ROOT" && swift package resolve)

# module NAME SOURCES… : a static library and .swiftmodule in $OUT.
module() {
  local name=$1; shift
  echo "fuzz build: $name"
  swiftc "${OPT[@]}" "$@" -module-name "$name" -emit-module -emit-module-path "$OUT/$name.swiftmodule" \
    -emit-library -static -o "$OUT/lib$name.a" -I "$OUT" -I "$ROOT/Sources/CBLAS" -I "$ROOT/Sources/CArchive" \
    -I "$YAMS/CYaml/include" -Xcc "$BLAS_I"
}

if [ ! -f "$OUT/libYams.a" ]; then
  echo "fuzz build: CYaml"
  for c in "$YAMS"/CYaml/src/*.c; do clang -O2 -fPIC -DYAML_DECLARE_STATIC -I "$YAMS/CYaml/include" -c "$c" -o "$OUT/obj/$(basename "$c" .c).o"; done
  ar rcs "$OUT/libCYaml.a" "$OUT"/obj/*.o
  module Yams -DSWIFT_PACKAGE -Xcc -DYAML_DECLARE_STATIC "$YAMS"/Yams/*.swift
fi
# Store (its registry) and Evaluation (IFEval data) read resources through SwiftPM's generated
# Bundle.module; outside SwiftPM each gets this stand-in (the resources are found by their env variables).
cat > "$OUT/StoreBundle.swift" <<'SWIFT'
import Foundation
extension Foundation.Bundle { static let module: Bundle = Bundle.main }
SWIFT

module Tensors "${SAN[@]}" "$ROOT"/Sources/Tensors/*.swift
module Checkpoints "${SAN[@]}" "$ROOT"/Sources/Checkpoints/*.swift
module Tokenizers "${SAN[@]}" "$ROOT"/Sources/Tokenizers/*.swift
module Store "${SAN[@]}" "$ROOT"/Sources/Store/*.swift "$OUT/StoreBundle.swift"
module Models "${SAN[@]}" "$ROOT"/Sources/Models/*.swift
module Evaluation "${SAN[@]}" $(find "$ROOT/Sources/Evaluation" -name '*.swift' | sort) "$OUT/StoreBundle.swift"

LINK=(-L "$OUT" -lEvaluation -lModels -lStore -lTokenizers -lCheckpoints -lTensors -lYams -lCYaml "${LIBS[@]}")
for t in "$ROOT"/Fuzz/targets/*.swift; do
  name=$(basename "$t" .swift)
  echo "fuzz build: fuzz-$name"
  swiftc "${OPT[@]}" "${SAN[@]}" -I "$OUT" -I "$ROOT/Sources/CBLAS" -I "$ROOT/Sources/CArchive" -I "$YAMS/CYaml/include" \
    -Xcc "$BLAS_I" "$t" "${LINK[@]}" -o "$OUT/fuzz-$name" 2> >(grep -v "Cannot export local symbol" >&2)
done
echo "fuzz build: done ($OUT)"
