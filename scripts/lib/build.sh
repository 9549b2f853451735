# shellcheck shell=bash
# Sourced by scripts/example and scripts/bench: builds the module a program needs, showing what
# it does (one line per module, a running count of downloads) while Maven's own output goes to
# a log, and skips the build when no source or POM changed since the last one.
# Never installs into ~/.m2: the program runs on the reactor's own jars.

# -B: no colours, no progress bars. Debian's Maven 3.8 still writes ESC[0m resets on exit;
# jansi.noreset stops that, so nothing but text reaches a pipe, a file or a terminal.
export MAVEN_OPTS="${MAVEN_OPTS:-} -Djansi.noreset=true -Dstyle.color=never"

say() { echo "$*" >&2; }

# prints the first source file or POM modified after FILE (nothing: all older)
changed_since() {
  find . \( -name target -o -name .git \) -prune -o -type f \
    \( -name pom.xml -o -path '*/src/main/*' \) -newer "$1" -print -quit
}

# true when every entry of the classpath FILE still exists (a cleaned module, a pruned ~/.m2)
classpath_intact() {
  local entry
  local IFS=:
  for entry in $(cat "$1"); do
    [ -e "$entry" ] || return 1
  done
}

# Maven's log in, progress lines out
maven_progress() {
  awk '
    /^\[INFO\] Building .* \[[0-9]+\/[0-9]+\] *$/ {
      name = $3; for (i = 4; i < NF - 1; i++) name = name " " $i
      printf "  %s %s\n", $NF, name; fflush(); next
    }
    /^\[INFO\] Downloaded from / {
      downloads++
      if (downloads == 1) { print "  downloading dependencies and plugins from Maven Central (once per machine)..."; fflush() }
      else if (downloads % 50 == 0) { printf "  downloaded %d files so far...\n", downloads; fflush() }
    }
    END { if (downloads > 0) printf "  downloaded %d file%s\n", downloads, (downloads == 1 ? "" : "s") }
  ' >&2
}

# build_module MODULE: compiles and packages MODULE and the modules it needs (no tests, no javadoc),
# unless nothing changed since the last build; leaves its runtime classpath in MODULE/target/classpath.
build_module() {
  local module=$1
  local classpath="$module/target/classpath" log="$module/target/build.log" changed
  if [ -s "$classpath" ] && classpath_intact "$classpath"; then
    changed=$(changed_since "$classpath")
    if [ -z "$changed" ]; then
      say "build: up to date, nothing changed since the last build of $module ($(date -r "$classpath" '+%F %T'))"
      return 0
    fi
    say "build: ${changed#./} changed since the last build of $module"
  fi
  mkdir -p "$module/target"
  # the stamp is the build's start: a file saved while Maven runs makes the next run build again
  local started="$module/target/.build-started"
  : >"$started"
  say "build: $module and the modules it needs (mvn package, no tests); Maven's log: $log"
  local t0=$SECONDS
  # -DskipTests, not -Dmaven.test.skip: the connectors' test scope needs discovery-core's test jar
  # (InMemoryDiscovery), which is only packaged when test classes are compiled; on a fresh clone
  # (nothing in ~/.m2) skipping their compile fails dependency resolution
  if ! (set -o pipefail
        mvn -B -pl "$module" -am package dependency:build-classpath \
          -DskipTests -Dmaven.javadoc.skip=true -Dmaven.source.skip=true \
          -Dmdep.outputFile=target/classpath -Dmdep.includeScope=runtime 2>&1 \
          | tee "$log.partial" | maven_progress); then
    mv "$log.partial" "$log"
    say "build: FAILED after $((SECONDS - t0)) s; Maven says (all of it in $log):"
    grep -E '^\[ERROR\]' "$log" | head -40 >&2 || tail -40 "$log" >&2
    rm -f "$classpath"
    return 1
  fi
  mv "$log.partial" "$log"
  touch -r "$started" "$classpath"
  say "build: done in $((SECONDS - t0)) s"
}

# the classpath to run MODULE's programs with (after build_module)
run_classpath() {
  echo "$1/target/classes:$(cat "$1/target/classpath")"
}
