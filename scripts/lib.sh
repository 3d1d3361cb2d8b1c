# Shared by the scripts: where things are, and building what is missing or out of date.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Canister functions compile to huge JVM methods, which HotSpot would otherwise not JIT-compile.
JAVA_OPTS=${JAVA_OPTS:-"-XX:-DontCompileHugeMethods"}

localnet_jar() {
  ls "$ROOT"/localnet/target/localnet-*.jar 2>/dev/null | grep -v -e '-tests\.jar$' -e '-sources\.jar$' | head -n 1
}

# Builds the project (without running tests) when a jar is missing or a source is newer than it.
ensure_built() {
  "$ROOT/scripts/setup"
  local jar
  jar=$(localnet_jar)
  if [ -z "$jar" ] || [ "$ROOT/pom.xml" -nt "$jar" ] \
     || [ -n "$(find "$ROOT" -path "$ROOT/.git" -prune -o \( -path '*/src/*' -o -name pom.xml \) -newer "$jar" -print -quit)" ]; then
    echo "building (mvn package, tests skipped)..." >&2
    (cd "$ROOT" && mvn -B -q -ntp -DskipTests package)
  fi
}
