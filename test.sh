#!/usr/bin/env bash
# The one test command: builds everything, runs every test project, ends with "tests: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# Install what the tests need when it is missing.
if ! command -v dotnet >/dev/null; then echo "test.sh: the .NET 10 SDK is required" >&2; exit 1; fi
if [ -f tests/Nodus.Web.Tests/Nodus.Web.Tests.csproj ] && ! { command -v chromium && command -v chromedriver; } >/dev/null; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver) >/dev/null 2>&1 \
    || echo "test.sh: could not install chromium" >&2
fi
# The interop tests (docs/interop.md) judge the node with Wireshark's dissector and bitcore-p2p from npm.
if ! command -v tshark >/dev/null; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tshark) >/dev/null 2>&1 \
    || echo "test.sh: could not install tshark" >&2
fi
if [ ! -d interop/node_modules/bcoin ] && command -v npm >/dev/null; then
  (cd interop && { npm ci --no-audit --no-fund --loglevel=error >/dev/null 2>&1 || npm install --no-audit --no-fund --no-save --loglevel=error; }) \
    || echo "test.sh: could not install interop/'s npm packages" >&2
fi

results=test-results
rm -rf "$results"; mkdir -p "$results"

if ! dotnet build Nodus.sln -c Release 2>&1 | tee "$results/build.log" | grep -E "error|Build succeeded|Warn" | sort -u | tail -20; then :; fi
if ! grep -q "Build succeeded" "$results/build.log"; then
  echo "build failed (see $results/build.log)"
  echo "tests: 0 passed, 1 failed"
  exit 1
fi

status=0
for proj in tests/*/*.csproj; do
  name=$(basename "$proj" .csproj)
  echo "== $name"
  dotnet test "$proj" -c Release --no-build --logger "trx;LogFileName=$name.trx" --results-directory "$results" \
    2>&1 | tee "$results/$name.log" | grep -E "^\s*(Failed|Passed!|Failed!|Total tests|\[xUnit.*\] *Error)" | head -60 || true
  [ -f "$results/$name.trx" ] || { echo "$name: no results (crashed?)"; status=1; }
  # Why each failed test failed (the first lines of its message), so that a CI log alone tells the story.
  grep -A8 "^\s*Failed [A-Za-z]" "$results/$name.log" | grep -vE "^\s*(Stack Trace:|at |Failed!)" | head -40 | grep -v "^\s*Failed " || true
done

passed=0; failed=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx")
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters"); f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  e=$(sed -n 's/.* error="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0} + ${e:-0}))
done
[ "$status" -ne 0 ] && failed=$((failed + 1))
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
