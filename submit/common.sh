# Sourced by submit/standalone.sh, yarn.sh and k8s.sh: option parsing shared by the cluster scripts
# and the spark-submit command they build. Not meant to be run by itself.
#
# Each script sets CM (cluster manager name) and calls: parse_common "$@"; then add its own
# settings to SUBMIT (an array of spark-submit arguments) and calls run_submit.

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Defaults, each overridable by environment or option.
MASTER="${SPARK_MASTER:-}"
EXECUTORS="${EXECUTORS:-2}"
EXECUTOR_CORES="${EXECUTOR_CORES:-2}"
EXECUTOR_MEMORY="${EXECUTOR_MEMORY:-4g}"
EXECUTOR_OFFHEAP="${EXECUTOR_OFFHEAP:-6g}"
DRIVER_MEMORY="${DRIVER_MEMORY:-6g}"
DRIVER_OFFHEAP="${DRIVER_OFFHEAP:-4g}"
DEPLOY_MODE="${DEPLOY_MODE:-}"
JOB_JAR="${JOB_JAR:-}"
DATA="${DATA:-}"
OUTPUT="${OUTPUT:-}"
SECRET_FILE="${SPARK_SECRET_FILE:-}"
DRIVER_HOST="${SPARK_DRIVER_HOST:-}"
PRINT_ONLY=false
EXTRA_CONF=()
JOB_ARGS=()
SUBMIT=()
DRIVER_JAVA_OPTS=""

common_help() {
  cat <<EOF
Common options (environment variable in brackets):
  --master URL             cluster master URL [SPARK_MASTER]
  --deploy-mode MODE       client or cluster [DEPLOY_MODE]
  --executors N            executors to start [EXECUTORS, default 2]
  --executor-cores N       cores (= concurrent training workers) per executor [EXECUTOR_CORES, default 2]
  --executor-memory SIZE   executor JVM heap [EXECUTOR_MEMORY, default 4g]
  --executor-offheap SIZE  ND4J off-heap limit per executor; the container also gets this much as
                           spark.executor.memoryOverhead plus 2g [EXECUTOR_OFFHEAP, default 6g]
  --driver-memory SIZE     driver JVM heap [DRIVER_MEMORY, default 6g]
  --driver-offheap SIZE    ND4J off-heap limit of the driver [DRIVER_OFFHEAP, default 4g]
  --jar PATH|URL           the job jar [JOB_JAR, default target/spark-resnet-*-job.jar]
  --driver-host ADDR       client mode: the address of this host the executors connect back to
                           (spark.driver.host), on a host with several addresses [SPARK_DRIVER_HOST]
  --conf KEY=VALUE         extra Spark setting, repeatable (wins over conf/spark-defaults.conf)
  --secret-file FILE       a cluster that requires authentication (standalone with spark.authenticate):
                           sets spark.authenticate=true with the shared secret in FILE's first line. It
                           reaches spark-submit in a private properties file (with spark-defaults.conf),
                           never on a command line or in --print [SPARK_SECRET_FILE]. YARN and Kubernetes
                           make a secret per application: --conf spark.authenticate=true is enough there
  --print                  print the spark-submit command instead of running it
  -h, --help               this help
Then the job's command and options, e.g.  train --data PATH --output PATH --epochs 5
(--data and --output default to [DATA] and [OUTPUT] when set; 'train' is implied by a bare option list).
spark-submit is \$SPARK_HOME/bin/spark-submit when SPARK_HOME is set, otherwise the Spark jars this
project builds against (target/spark-classpath.txt) run org.apache.spark.deploy.SparkSubmit.
EOF
}

die() {
  echo "$(basename "$0"): $*" >&2
  exit 2
}

need_value() { [ $# -ge 2 ] && [ -n "$2" ] || die "option $1 needs a value"; }

is_count() { [[ "$1" =~ ^[1-9][0-9]*$ ]]; }
is_size() { [[ "$1" =~ ^[1-9][0-9]*[kKmMgGtT]$ ]]; }

# parse_common ARGS...: script options first, then (optionally after --) the job's arguments.
parse_common() {
  while [ $# -gt 0 ]; do
    case "$1" in
      -h|--help) usage; exit 0 ;;
      --master) need_value "$@"; MASTER="$2"; shift 2 ;;
      --deploy-mode) need_value "$@"; DEPLOY_MODE="$2"; shift 2 ;;
      --executors) need_value "$@"; EXECUTORS="$2"; shift 2 ;;
      --executor-cores) need_value "$@"; EXECUTOR_CORES="$2"; shift 2 ;;
      --executor-memory) need_value "$@"; EXECUTOR_MEMORY="$2"; shift 2 ;;
      --executor-offheap) need_value "$@"; EXECUTOR_OFFHEAP="$2"; shift 2 ;;
      --driver-memory) need_value "$@"; DRIVER_MEMORY="$2"; shift 2 ;;
      --driver-offheap) need_value "$@"; DRIVER_OFFHEAP="$2"; shift 2 ;;
      --jar) need_value "$@"; JOB_JAR="$2"; shift 2 ;;
      --driver-host) need_value "$@"; DRIVER_HOST="$2"; shift 2 ;;
      --conf) need_value "$@"; [[ "$2" == *=* ]] || die "--conf expects KEY=VALUE, got '$2'"
              EXTRA_CONF+=("$2"); shift 2 ;;
      --secret-file) need_value "$@"; SECRET_FILE="$2"; shift 2 ;;
      --print) PRINT_ONLY=true; shift ;;
      --) shift; JOB_ARGS=("$@"); break ;;
      *) if parse_own "$@"; then shift "$OWN_SHIFT"; else JOB_ARGS=("$@"); break; fi ;;
    esac
  done
  [ -n "$MASTER" ] || die "no master: pass --master URL or set SPARK_MASTER"
  is_count "$EXECUTORS" || die "--executors expects a positive integer, got '$EXECUTORS'"
  is_count "$EXECUTOR_CORES" || die "--executor-cores expects a positive integer, got '$EXECUTOR_CORES'"
  for opt in "executor-memory:$EXECUTOR_MEMORY" "executor-offheap:$EXECUTOR_OFFHEAP" \
             "driver-memory:$DRIVER_MEMORY" "driver-offheap:$DRIVER_OFFHEAP"; do
    is_size "${opt#*:}" || die "--${opt%%:*} expects a size like 4g or 512m, got '${opt#*:}'"
  done
  case "$DEPLOY_MODE" in client|cluster|"") ;; *) die "--deploy-mode expects client or cluster, got '$DEPLOY_MODE'" ;; esac
  [ -z "$SECRET_FILE" ] || check_secret_file
  [ -z "$DRIVER_HOST" ] || [ "$DEPLOY_MODE" != cluster ] \
    || die "--driver-host is for client mode (the driver on this host); in cluster mode the cluster places the driver"
  if [ -z "$JOB_JAR" ]; then
    JOB_JAR="$(ls "$root"/target/spark-resnet-*-job.jar 2>/dev/null | head -1 || true)"
    [ -n "$JOB_JAR" ] || die "no job jar: build it with 'mvn -DskipTests package' or pass --jar"
  fi
  # A bare option list means "train"; DATA and OUTPUT fill in --data and --output.
  case "${JOB_ARGS[0]:-}" in -*|"") JOB_ARGS=(train "${JOB_ARGS[@]}") ;; esac
  if [ "${JOB_ARGS[0]}" = train ]; then
    has_arg --data || { [ -z "$DATA" ] || JOB_ARGS+=(--data "$DATA"); }
    has_arg --output || { [ -z "$OUTPUT" ] || JOB_ARGS+=(--output "$OUTPUT"); }
  fi
}

# The secret goes into a Java properties file: one line of printable characters without spaces or
# backslashes (which that format would read as separators and escapes), as Spark's own secrets are.
check_secret_file() {
  [ -f "$SECRET_FILE" ] && [ -r "$SECRET_FILE" ] || die "--secret-file $SECRET_FILE: not a readable file"
  local secret
  secret="$(head -n 1 "$SECRET_FILE" | tr -d '\r')"
  [ -n "$secret" ] || die "--secret-file $SECRET_FILE: the first line is empty; expected the cluster's spark.authenticate.secret"
  [[ "$secret" =~ ^[[:graph:]]+$ && "$secret" != *\\* ]] \
    || die "--secret-file $SECRET_FILE: the secret holds spaces, backslashes or control characters; expected one word"
}

# spark-submit reads the secret from a properties file only this user can read: the submitting
# machine's spark-defaults.conf (which --properties-file replaces) plus spark.authenticate.secret.
# Deleted when the script ends.
secret_properties() {
  SECRET_PROPERTIES="$(mktemp)"
  chmod 600 "$SECRET_PROPERTIES"
  trap 'rm -f "$SECRET_PROPERTIES"' EXIT
  local conf_dir="${SPARK_CONF_DIR:-${SPARK_HOME:+$SPARK_HOME/conf}}"
  if [ -n "$conf_dir" ] && [ -f "$conf_dir/spark-defaults.conf" ]; then
    cat "$conf_dir/spark-defaults.conf" > "$SECRET_PROPERTIES"
  fi
  printf '\nspark.authenticate.secret %s\n' "$(head -n 1 "$SECRET_FILE" | tr -d '\r')" >> "$SECRET_PROPERTIES"
}

# Prints a command with the values of secret-like settings (Spark's own redaction pattern) hidden.
print_redacted() {
  local a out=()
  for a in "$@"; do
    if [[ "$a" =~ ^([^=]*([Ss][Ee][Cc][Rr][Ee][Tt]|[Pp][Aa][Ss][Ss][Ww][Oo][Rr][Dd]|[Tt][Oo][Kk][Ee][Nn]|[Aa][Cc][Cc][Ee][Ss][Ss]\.[Kk][Ee][Yy])[^=]*)= ]]; then
      a="${BASH_REMATCH[1]}=*********(redacted)"
    fi
    out+=("$a")
  done
  printf '%q ' "${out[@]}"
  echo
}

has_arg() {
  local a
  for a in "${JOB_ARGS[@]}"; do [ "$a" = "$1" ] || [[ "$a" == "$1="* ]] && return 0; done
  return 1
}

# Scripts without options of their own keep this; others redefine it (set OWN_SHIFT, return 0).
parse_own() { return 1; }

# "4g" -> megabytes
to_mb() {
  local n="${1%?}" unit="${1: -1}"
  case "$unit" in k|K) echo $(( n / 1024 )) ;; m|M) echo "$n" ;; g|G) echo $(( n * 1024 )) ;; t|T) echo $(( n * 1024 * 1024 )) ;; esac
}

# The settings every cluster run needs: conf/spark-defaults.conf as --conf (so the cluster's own
# spark-defaults.conf still applies to everything else), ND4J off-heap limits sized from the options
# with the matching memory overhead, and the log configuration.
base_submit() {
  local key value java_opts exec_physical_mb driver_physical_mb
  java_opts="$(grep -v '^\s*#' "$root/conf/java-options" | grep -v '^\s*$' | tr '\n' ' ')"
  SUBMIT=(--class io.github.sparkresnet.cli.Main --master "$MASTER" --name "spark-resnet")
  [ -z "$DEPLOY_MODE" ] || SUBMIT+=(--deploy-mode "$DEPLOY_MODE")
  [ -z "$DRIVER_HOST" ] || SUBMIT+=(--conf "spark.driver.host=$DRIVER_HOST")
  while read -r key value; do
    case "$key" in
      # computed below from the options
      ''|'#'*|spark.*.extraJavaOptions|spark.*.memoryOverhead|spark.*.memory) continue ;;
    esac
    SUBMIT+=(--conf "$key=$value")
  done < "$root/conf/spark-defaults.conf"
  # The container holds heap + off-heap + 2 GB for the JVM itself and native libraries. javacpp caps
  # the whole process 1 GB under that (maxphysicalbytes): past it, an allocation fails with an
  # OutOfMemoryError naming the limit before the cluster manager kills the container. (maxbytes
  # caps only what JavaCPP tracks, which ND4J M2.1's CPU arrays bypass: docs/reliability.md "Memory".)
  exec_physical_mb=$(( $(to_mb "$EXECUTOR_MEMORY") + $(to_mb "$EXECUTOR_OFFHEAP") + 2048 ))
  driver_physical_mb=$(( $(to_mb "$DRIVER_MEMORY") + $(to_mb "$DRIVER_OFFHEAP") + 2048 ))
  DRIVER_JAVA_OPTS="${java_opts}-Dorg.bytedeco.javacpp.maxbytes=$DRIVER_OFFHEAP -Dorg.bytedeco.javacpp.maxphysicalbytes=$(( driver_physical_mb - 1024 ))m"
  SUBMIT+=(--driver-memory "$DRIVER_MEMORY" --executor-memory "$EXECUTOR_MEMORY" --executor-cores "$EXECUTOR_CORES"
    --conf "spark.executor.memoryOverhead=$(( exec_physical_mb - $(to_mb "$EXECUTOR_MEMORY") ))m"
    --conf "spark.driver.memoryOverhead=$(( driver_physical_mb - $(to_mb "$DRIVER_MEMORY") ))m"
    --conf "spark.executor.extraJavaOptions=${java_opts}-Dorg.bytedeco.javacpp.maxbytes=$EXECUTOR_OFFHEAP -Dorg.bytedeco.javacpp.maxphysicalbytes=$(( exec_physical_mb - 1024 ))m")
  # Executors log with the cluster's own log4j2 configuration (they start before any --files
  # arrive); a client-mode driver uses conf/log4j2.properties from here.
  if [ "$DEPLOY_MODE" != cluster ]; then
    SUBMIT+=(--conf "spark.driver.extraJavaOptions=$DRIVER_JAVA_OPTS -Dlog4j2.configurationFile=file:$root/conf/log4j2.properties")
  else
    SUBMIT+=(--conf "spark.driver.extraJavaOptions=$DRIVER_JAVA_OPTS")
  fi
}

run_submit() {
  local c
  for c in "${EXTRA_CONF[@]}"; do SUBMIT+=(--conf "$c"); done
  SECRET_PROPERTIES=""
  if [ -n "$SECRET_FILE" ]; then
    if $PRINT_ONLY; then
      SUBMIT+=(--conf spark.authenticate=true --properties-file "<spark-defaults.conf + the secret in $SECRET_FILE>")
    else
      secret_properties
      SUBMIT+=(--conf spark.authenticate=true --properties-file "$SECRET_PROPERTIES")
    fi
  fi
  local cmd
  if [ -n "${SPARK_HOME:-}" ]; then
    cmd=("$SPARK_HOME/bin/spark-submit")
  else
    [ -f "$root/target/spark-classpath.txt" ] || die "no SPARK_HOME and no target/spark-classpath.txt: set SPARK_HOME or run 'mvn -DskipTests package'"
    # SparkSubmit in client mode runs the driver in this very JVM: give it the driver's options here.
    # The Hadoop/YARN configuration directories go first on the classpath, as spark-class puts them.
    local classpath
    classpath="$(cat "$root/target/spark-classpath.txt")"
    [ -z "${YARN_CONF_DIR:-}" ] || classpath="$YARN_CONF_DIR:$classpath"
    [ -z "${HADOOP_CONF_DIR:-}" ] || classpath="$HADOOP_CONF_DIR:$classpath"
    # shellcheck disable=SC2086
    cmd=(java $DRIVER_JAVA_OPTS -Xmx"$DRIVER_MEMORY" -Dlog4j2.configurationFile="$root/conf/log4j2.properties"
      -cp "$classpath" org.apache.spark.deploy.SparkSubmit)
  fi
  cmd+=("${SUBMIT[@]}" "$JOB_JAR" "${JOB_ARGS[@]}")
  if $PRINT_ONLY; then
    print_redacted "${cmd[@]}"
    exit 0
  fi
  if ! declare -F on_failure > /dev/null; then
    if [ -z "$SECRET_PROPERTIES" ]; then
      exec "${cmd[@]}"
    fi
    "${cmd[@]}" && exit 0 || exit $?   # not exec: the EXIT trap deletes the secret's file afterwards
  fi
  # The script's on_failure RC LOG explains a failure from spark-submit's output. stderr goes through
  # tee (shown as it comes and kept in LOG), stdout straight to ours (fd 3).
  local log rc
  log="$(mktemp)"
  exec 3>&1
  set +e
  "${cmd[@]}" 2>&1 1>&3 3>&- | tee "$log" >&2
  rc=${PIPESTATUS[0]}
  set -e
  exec 3>&-
  [ "$rc" -eq 0 ] || on_failure "$rc" "$log"
  rm -f "$log"
  exit "$rc"
}
