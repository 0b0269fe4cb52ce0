#!/usr/bin/env bash
# Submits the job to Kubernetes (Spark's native Kubernetes scheduler, cluster deploy mode).
#
#   submit/k8s.sh --master k8s://https://API-SERVER:443 --image REGISTRY/spark:3.5-java17 \
#       --jar local:///opt/spark-resnet/spark-resnet-job.jar [options] train --data s3a://... --output s3a://...
#
# The image needs Spark 3.5 (Scala 2.12) on Java 17 (e.g. apache/spark:3.5.x-scala2.12-java17-ubuntu);
# put the job jar in it (local://) or give a jar URL the driver pod can fetch. Data and output must be
# shared storage (S3A, HDFS, a PVC). Submitting needs a Spark 3.5 distribution: SPARK_HOME.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
DEPLOY_MODE="${DEPLOY_MODE:-cluster}"
IMAGE="${K8S_IMAGE:-}"
NAMESPACE="${K8S_NAMESPACE:-default}"
SERVICE_ACCOUNT="${K8S_SERVICE_ACCOUNT:-spark}"

usage() {
  sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  echo
  echo "Kubernetes options:"
  echo "  --image IMAGE            container image for driver and executors [K8S_IMAGE]"
  echo "  --namespace NS           namespace [K8S_NAMESPACE, default default]"
  echo "  --service-account NAME   driver's service account, allowed to create pods [K8S_SERVICE_ACCOUNT, default spark]"
  echo
  common_help
}

parse_own() {
  case "$1" in
    --image) need_value "$@"; IMAGE="$2"; OWN_SHIFT=2; return 0 ;;
    --namespace) need_value "$@"; NAMESPACE="$2"; OWN_SHIFT=2; return 0 ;;
    --service-account) need_value "$@"; SERVICE_ACCOUNT="$2"; OWN_SHIFT=2; return 0 ;;
  esac
  return 1
}

parse_common "$@"
[[ "$MASTER" == k8s://* ]] || die "--master expects k8s://https://HOST:PORT, got '$MASTER'"
[ -n "$IMAGE" ] || die "no container image: pass --image or set K8S_IMAGE"
# The pods cannot read a file on this machine: the jar is in the image (local://), at a URL, or
# uploaded by spark-submit to shared storage (spark.kubernetes.file.upload.path).
if [[ "$JOB_JAR" != *://* ]] && [[ " ${EXTRA_CONF[*]} " != *" spark.kubernetes.file.upload.path="* ]]; then
  die "--jar expects local:///PATH/IN/IMAGE or a URL the driver pod can fetch, got '$JOB_JAR' (or pass --conf spark.kubernetes.file.upload.path=s3a://... to have it uploaded)"
fi
# The build's Spark jars have no Kubernetes client (spark-kubernetes is not among them).
$PRINT_ONLY || [ -n "${SPARK_HOME:-}" ] || die "set SPARK_HOME to a Spark 3.5 distribution: submitting to Kubernetes needs its spark-kubernetes jar"
base_submit
# Synchronous averaging wants a fixed set of workers: no dynamic allocation.
SUBMIT+=(--conf "spark.executor.instances=$EXECUTORS"
  --conf "spark.kubernetes.container.image=$IMAGE"
  --conf "spark.kubernetes.namespace=$NAMESPACE"
  --conf "spark.kubernetes.authenticate.driver.serviceAccountName=$SERVICE_ACCOUNT"
  --conf "spark.kubernetes.executor.request.cores=$EXECUTOR_CORES"
  --conf spark.dynamicAllocation.enabled=false)
run_submit
