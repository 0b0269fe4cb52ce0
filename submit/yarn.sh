#!/usr/bin/env bash
# Submits the job to YARN (HADOOP_CONF_DIR or YARN_CONF_DIR must point at the cluster's configuration).
#
#   submit/yarn.sh [options] [--queue Q] train --data hdfs:///PATH --output hdfs:///PATH [train options]
#
# Defaults to cluster deploy mode (the driver runs in the application master; logs via
# 'yarn logs -applicationId ...'). Each container gets --executor-memory of heap plus
# spark.executor.memoryOverhead = ND4J off-heap + 1g: keep that under yarn.scheduler.maximum-allocation-mb.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
MASTER="${SPARK_MASTER:-yarn}"
DEPLOY_MODE="${DEPLOY_MODE:-cluster}"
QUEUE="${YARN_QUEUE:-}"
YARN_JAVA_HOME="${YARN_JAVA_HOME:-}"

usage() {
  sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  echo
  echo "YARN options:"
  echo "  --queue NAME             YARN queue [YARN_QUEUE]"
  echo "  --java-home DIR          Java 17+ home on the cluster's nodes, for the driver's and executors'"
  echo "                           containers, when the NodeManagers run an older Java [YARN_JAVA_HOME]"
  echo
  common_help
}

parse_own() {
  case "$1" in
    --queue) need_value "$@"; QUEUE="$2"; OWN_SHIFT=2; return 0 ;;
    --java-home) need_value "$@"; YARN_JAVA_HOME="$2"; OWN_SHIFT=2; return 0 ;;
  esac
  return 1
}

parse_common "$@"
[ "$MASTER" = yarn ] || die "--master must be 'yarn' for this script, got '$MASTER'"
if ! $PRINT_ONLY && [ -z "${HADOOP_CONF_DIR:-}${YARN_CONF_DIR:-}" ]; then
  die "set HADOOP_CONF_DIR or YARN_CONF_DIR to the cluster's Hadoop configuration"
fi
base_submit
# Synchronous averaging wants a fixed set of workers: no dynamic allocation.
SUBMIT+=(--num-executors "$EXECUTORS" --conf spark.dynamicAllocation.enabled=false)
if [ "$DEPLOY_MODE" = cluster ]; then
  # YARN localizes --files into the driver's container before it starts.
  SUBMIT+=(--files "$root/conf/log4j2.properties"
    --conf "spark.driver.extraJavaOptions=$DRIVER_JAVA_OPTS -Dlog4j2.configurationFile=log4j2.properties")
fi
[ -z "$QUEUE" ] || SUBMIT+=(--queue "$QUEUE")
if [ -n "$YARN_JAVA_HOME" ]; then
  SUBMIT+=(--conf "spark.yarn.appMasterEnv.JAVA_HOME=$YARN_JAVA_HOME" --conf "spark.executorEnv.JAVA_HOME=$YARN_JAVA_HOME")
fi

# In cluster mode the job's own error line is in the driver's container: name the application and
# where its log is (spark-submit's failure report carries the application id). In client mode the
# job's error line is already the last thing printed here.
on_failure() {
  local rc="$1" log="$2" app
  [ "$DEPLOY_MODE" = cluster ] || return 0
  app="$(grep -o 'application_[0-9]*_[0-9]*' "$log" | tail -1 || true)"
  if [ -n "$app" ]; then
    echo "yarn.sh: error: YARN application $app failed (spark-submit exit $rc); the driver's log: yarn logs -applicationId $app" >&2
  else
    echo "yarn.sh: error: spark-submit failed (exit $rc) before YARN accepted the application" >&2
  fi
}
run_submit
