#!/bin/sh
# The README's test command: install dependencies, build, run every test.
#  1. the normal build, every ctest test (unit, scheduler regressions,
#     agents, integration, cluster: those needing root or namespaces say
#     so and skip when they cannot run);
#  2. a second build with AddressSanitizer + UBSan, the unit tests again;
#  3. the formatting check.
set -eu
cd "$(dirname "$0")/.."
./scripts/deps.sh
J=$(nproc)

echo "== build (RelWithDebInfo)"
BUILD_DIR=build ./scripts/build.sh
echo "== tests"
ctest --test-dir build --output-on-failure -j "$J" --timeout 900

echo "== build (ASan + UBSan)"
BUILD_DIR=build-asan ./scripts/build.sh -DCORRAL_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
echo "== unit tests and scheduler cases (corral simulate) under the sanitizers"
ctest --test-dir build-asan --output-on-failure -j "$J" --timeout 900 -L 'unit|scheduler'

echo "== formatting"
./scripts/check-format.sh
echo "all tests passed"
