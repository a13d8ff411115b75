#!/usr/bin/env bash
# Fuzzes every SnnConvert parser with AFL++ through SharpFuzz, one harness after another.
#
#   fuzz/run.sh SECONDS [TARGET...]      # default: every target, SECONDS each
#
# Needs afl-fuzz (Debian: apt-get install afl++) and the .NET SDK. Builds fuzz/SnnConvert.Fuzz in Release,
# instruments SnnConvert.dll (and Google.Protobuf.dll) with the sharpfuzz tool (fuzz/dotnet-tools.json), and runs
# afl-fuzz on each target with the seeds in fuzz/corpus/TARGET. Findings go to fuzz/findings/TARGET (ignored by
# git) and are resumed on the next run, so executions add up (afl-fuzz keeps the totals); fuzz/findings/ledger.tsv
# gets one line per target and run.
# Exit status 1 when any target has a saved crash or hang: replay it with
#   dotnet fuzz/findings/build/SnnConvert.Fuzz.dll TARGET fuzz/findings/TARGET/default/crashes/id*
# fix it, and keep the input as a regression test (tests/fixtures/fuzz/TARGET/, FuzzRegressionTests).
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:?usage: fuzz/run.sh SECONDS [TARGET...]}
shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(idx cifar-bin cifar-targz cifar-tar onnx model snn checkpoint)
command -v afl-fuzz >/dev/null || { echo "afl-fuzz not found: apt-get install afl++" >&2; exit 2; }

build=findings/build
mkdir -p findings
dotnet build SnnConvert.Fuzz/SnnConvert.Fuzz.csproj -c Release -o "$build" -v quiet -nologo >&2
dotnet tool restore >/dev/null
# sharpfuzz rewrites the assembly in place; a fresh build gives back an uninstrumented copy each run.
dotnet tool run sharpfuzz "$build/SnnConvert.dll" >&2
dotnet tool run sharpfuzz "$build/Google.Protobuf.dll" >&2 || echo "(Google.Protobuf.dll not instrumented)" >&2

# afl-fuzz runs "dotnet", not an instrumented binary, so its checks for one are skipped; in a container there is
# no core-pattern or CPU-governor control either.
export AFL_SKIP_BIN_CHECK=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_AUTORESUME=1
export AFL_NO_AFFINITY=1 AFL_FAST_CAL=1
export DOTNET_TieredPGO=0 DOTNET_gcServer=0 DOTNET_GCHeapHardLimit=0x100000000   # 4 GiB: a runaway allocation fails fast

status=0
for target in "${targets[@]}"; do
  out=findings/$target
  echo "== $target: ${seconds}s" >&2
  # -t: a parse taking over 10 s is a hang; -m none: the CLR reserves far more address space than it uses.
  timeout $((seconds + 120)) afl-fuzz -V "$seconds" -t 10000 -m none -i "corpus/$target" -o "$out" \
    -- dotnet "$build/SnnConvert.Fuzz.dll" "$target" >"$out.log" 2>&1 || true
  stats=$out/default/fuzzer_stats
  if [ ! -f "$stats" ]; then echo "   afl-fuzz did not start; see fuzz/$out.log" >&2; tail -n 20 "$out.log" >&2; status=1; continue; fi
  field() { awk -F' *: *' -v k="$1" '$1 == k { print $2 }' "$stats"; }
  crashes=$(find "$out/default/crashes" -name 'id*' 2>/dev/null | wc -l)
  hangs=$(find "$out/default/hangs" -name 'id*' 2>/dev/null | wc -l)
  # afl-fuzz restores execs_done and run_time when it resumes: both are totals over every session of the target.
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$target" "$(field run_time)" "$(field execs_done)" \
    "$(field execs_per_sec)" "$crashes" "$hangs" >> findings/ledger.tsv
  echo "   total $(field execs_done) execs in $(field run_time) s over all sessions (now $(field execs_per_sec)/s); paths $(field corpus_count); crashes $crashes, hangs $hangs" >&2
  [ "$crashes" -eq 0 ] && [ "$hangs" -eq 0 ] || status=1
done
echo "ledger (time, target, total seconds, total execs, execs/s, crashes, hangs): fuzz/findings/ledger.tsv" >&2
exit $status
