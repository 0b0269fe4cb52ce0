"""Daily ResNet34 training on Spark, then a quality gate on the run's metrics.

Tasks:
  train  -- SparkSubmitOperator: submits the job jar (`train`) to the cluster behind the Airflow
            connection `spark_conn_id`. The run id is the DAG run's logical date (`{{ ds_nodash }}`), and
            `--resume` is always passed: a retry or a backfill of the same date continues that run from
            its last complete checkpoint (or, when the run already has every epoch, does nothing), so the
            metrics table never holds an epoch twice.
  check_accuracy -- SparkSubmitOperator running the jar's `check` command: reads that run's metrics
            Parquet and exits non-zero (failing the DAG run) when the last epoch's test accuracy is under
            `min_accuracy` or an epoch is missing.

Configuration, from Airflow Variables (with defaults) or the DAG's params at trigger time:
  spark_resnet_jar      path/URL of spark-resnet-*-job.jar
  spark_resnet_data     CIFAR-10 location (HDFS/S3A/shared path)
  spark_resnet_output   run output root (metrics, checkpoints, models)
  spark_resnet_conf     JSON object of extra Spark settings (merged over the defaults below)
Params: epochs, classes, min_accuracy, executors, executor_cores.
"""
import json
from datetime import datetime, timedelta

from airflow import DAG
from airflow.models import Variable
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

JAVA17 = " ".join([
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/java.net=ALL-UNNAMED",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.util=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
    "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.cs=ALL-UNNAMED",
    "--add-opens=java.base/sun.security.action=ALL-UNNAMED",
    "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED",
    "-Djdk.reflect.useDirectMethodHandle=false",
])

# What conf/spark-defaults.conf carries, for clusters whose defaults do not include it.
SPARK_CONF = {
    "spark.serializer": "org.apache.spark.serializer.KryoSerializer",
    "spark.kryo.registrator": "io.github.sparkresnet.spark.Nd4jKryoRegistrator",
    "spark.kryoserializer.buffer.max": "1g",
    "spark.locality.wait": "0s",
    "spark.plugins": "io.github.sparkresnet.spark.Nd4jSparkPlugin",
    "spark.scheduler.minRegisteredResourcesRatio": "1.0",
    "spark.dynamicAllocation.enabled": "false",
    "spark.driver.extraJavaOptions": JAVA17
    + " -Dorg.bytedeco.javacpp.maxbytes=4g -Dorg.bytedeco.javacpp.maxphysicalbytes=11g",
    "spark.executor.extraJavaOptions": JAVA17
    + " -Dorg.bytedeco.javacpp.maxbytes=6g -Dorg.bytedeco.javacpp.maxphysicalbytes=11g",
    "spark.driver.memoryOverhead": "6g",
    "spark.executor.memoryOverhead": "8g",
}

RUN_ID = "daily-{{ ds_nodash }}"


def spark_conf():
    conf = dict(SPARK_CONF)
    # executors from the params (conf is a templated field; num_executors is not)
    conf["spark.executor.instances"] = "{{ params.executors }}"
    conf["spark.executor.cores"] = "{{ params.executor_cores }}"
    conf["spark.cores.max"] = "{{ params.executors * params.executor_cores }}"
    conf.update(json.loads(Variable.get("spark_resnet_conf", default_var="{}")))
    return conf


def train_args():
    """The job's command line; SparkSubmitOperator renders the templates."""
    return [
        "train",
        "--data", "{{ var.value.get('spark_resnet_data', '/data/cifar10') }}",
        "--output", "{{ var.value.get('spark_resnet_output', '/data/spark-resnet/runs') }}",
        "--run-id", RUN_ID,
        "--resume",
        "--classes", "{{ params.classes }}",
        "--epochs", "{{ params.epochs }}",
        "--progress-seconds", "60",
    ]


with DAG(
    dag_id="spark_resnet_daily",
    description="Train ResNet34 on a CIFAR-10 class pair with Spark + DL4J, then gate on test accuracy",
    schedule="@daily",
    start_date=datetime(2026, 11, 1),
    catchup=False,
    max_active_runs=1,
    params={"epochs": 5, "classes": "airplane,bird", "min_accuracy": 0.85, "executors": 2, "executor_cores": 2},
    default_args={
        "owner": "ml-platform",
        "retries": 2,
        "retry_delay": timedelta(minutes=5),
        "execution_timeout": timedelta(hours=3),
    },
    tags=["spark", "dl4j", "training"],
) as dag:
    train = SparkSubmitOperator(
        task_id="train",
        conn_id="spark_default",
        application="{{ var.value.get('spark_resnet_jar', '/opt/spark-resnet/spark-resnet-job.jar') }}",
        java_class="io.github.sparkresnet.cli.Main",
        name="spark-resnet-" + RUN_ID,
        application_args=train_args(),
        conf=spark_conf(),
        executor_memory="4g",
        driver_memory="6g",
        verbose=False,
    )

    gate = SparkSubmitOperator(
        task_id="check_accuracy",
        conn_id="spark_default",
        application="{{ var.value.get('spark_resnet_jar', '/opt/spark-resnet/spark-resnet-job.jar') }}",
        java_class="io.github.sparkresnet.cli.Main",
        name="spark-resnet-check-" + RUN_ID,
        application_args=[
            "check",
            "--output", "{{ var.value.get('spark_resnet_output', '/data/spark-resnet/runs') }}",
            "--run-id", RUN_ID,
            "--epochs", "{{ params.epochs }}",
            "--min-accuracy", "{{ params.min_accuracy }}",
        ],
        conf={**spark_conf(), "spark.executor.instances": "1", "spark.cores.max": "1"},
        driver_memory="2g",
        retries=0,  # a model under the threshold stays under it
        execution_timeout=timedelta(minutes=15),
    )

    train >> gate
