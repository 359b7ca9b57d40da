#!/usr/bin/env bash
# Runs the benchmark suite: JMH (every area, every peer) and the cross-process latency harness,
# then rewrites the results section of docs/BENCHMARKS.md from their JSON.
#
#   mmap-benchmarks/run.sh short    # a quick look, ~10 min on 2 cores; the table says PROVISIONAL
#   mmap-benchmarks/run.sh full     # the published table, ~1 h on 2 cores
#   mmap-benchmarks/run.sh smoke    # every benchmark once, ~1 min; prints the table, docs untouched
#
# Arguments after the mode go to JMH, e.g. a regex to run one area: run.sh short PositionalIo
# Results: mmap-benchmarks/target/results/{jmh,latency}-MODE.json and hgrm-MODE/ (HdrHistogram).
# JAVA=/path/to/java overrides the JDK (22 or newer); NOTE="..." adds a line under the table's title.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:?usage: mmap-benchmarks/run.sh short|full|smoke [JMH arguments...]}
shift
case "$mode" in
  short) jmh=(-f 1 -wi 3 -w 300ms -i 5 -r 300ms -prof gc); latency=(--quick) ;;
  full)  jmh=(-f 3 -wi 5 -w 1s -i 5 -r 1s -prof gc);       latency=() ;;
  # smoke: 1 MiB logs for the streams area, as in CI's smoke test (JmhSmoke), not the published 256 MiB
  smoke) jmh=(-f 1 -wi 0 -i 1 -r 10ms -p mib=1);           latency=(--warmup 1000 --rounds 10000) ;;
  *) echo "unknown mode '$mode': short, full or smoke" >&2; exit 2 ;;
esac

if [[ -z "${JAVA:-}" ]]; then
  if [[ -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/java ]]; then
    JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
  else
    JAVA=java
  fi
fi

mvn -B -q -pl mmap-benchmarks -am package -DskipTests
jar=mmap-benchmarks/target/benchmarks.jar
out=mmap-benchmarks/target/results
mkdir -p "$out"

"$JAVA" -jar "$jar" "${jmh[@]}" -rf json -rff "$out/jmh-$mode.json" "$@"
"$JAVA" -cp "$jar" io.mmap4j.bench.latency.LatencyHarness "${latency[@]}" \
  --json "$out/latency-$mode.json" --hgrm "$out/hgrm-$mode"

report=(--jmh "$out/jmh-$mode.json" --latency "$out/latency-$mode.json" --mode "$mode")
[[ -n "${NOTE:-}" ]] && report+=(--note "$NOTE")
[[ "$mode" != smoke ]] && report+=(--docs docs/BENCHMARKS.md)
"$JAVA" -cp "$jar" io.mmap4j.bench.report.BenchmarkReport "${report[@]}"
