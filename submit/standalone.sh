#!/usr/bin/env bash
# Submits the job to a Spark standalone cluster (spark://HOST:7077).
#
#   submit/standalone.sh --master spark://HOST:7077 [options] train --data PATH --output PATH [train options]
#
# Executors: --executors N of --executor-cores C each (spark.cores.max = N*C; the job trains with
# N*C workers). Data and output paths must be readable/writable by the driver and every executor
# (a shared file system, HDFS, S3A...).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

usage() {
  sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  echo
  common_help
}

parse_common "$@"
[[ "$MASTER" == spark://* ]] || die "--master expects spark://HOST:PORT for a standalone cluster, got '$MASTER'"
base_submit
SUBMIT+=(--total-executor-cores "$(( EXECUTORS * EXECUTOR_CORES ))")
run_submit
