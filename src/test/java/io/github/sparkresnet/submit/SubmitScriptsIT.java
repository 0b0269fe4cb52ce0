package io.github.sparkresnet.submit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Every cluster script answers --help, and its --print shows the spark-submit command it would run
 * with what each cluster manager needs. An integration test: the scripts need the packaged jar.
 * (The standalone script also runs for real: StandaloneClusterIT.)
 */
class SubmitScriptsIT {
    private static final Map<String, String> NO_ENV = Map.of();

    @ParameterizedTest
    @ValueSource(strings = {"submit/standalone.sh", "submit/yarn.sh", "submit/k8s.sh", "submit/run-local.sh"})
    void helpDescribesTheScript(String script) throws Exception {
        ScriptRun help = ScriptRun.run(NO_ENV, 5, script, "--help");
        assertEquals(0, help.exitCode(), help.output());
        assertTrue(help.output().contains("--data"), help.output());
    }

    @Test
    void standaloneCommand() throws Exception {
        ScriptRun r = ScriptRun.run(NO_ENV, 1, "submit/standalone.sh", "--master", "spark://h:7077",
                "--executors", "3", "--executor-cores", "4", "--driver-host", "10.0.0.9", "--print", "--data", "/d",
                "--epochs", "2");
        assertEquals(0, r.exitCode(), r.output());
        String cmd = r.output();
        assertTrue(cmd.contains("--conf spark.driver.host=10.0.0.9"), cmd);
        assertTrue(cmd.contains("org.apache.spark.deploy.SparkSubmit --class io.github.sparkresnet.cli.Main --master spark://h:7077"), cmd);
        assertTrue(cmd.contains("--total-executor-cores 12"), cmd);
        assertTrue(cmd.contains("--executor-cores 4"), cmd);
        assertTrue(cmd.contains("spark.kryo.registrator=io.github.sparkresnet.spark.Nd4jKryoRegistrator"), cmd);
        assertTrue(cmd.contains("-Dorg.bytedeco.javacpp.maxbytes=6g"), cmd);
        assertTrue(cmd.contains("--add-opens=java.base/java.nio=ALL-UNNAMED"), cmd);
        assertTrue(cmd.trim().endsWith("-job.jar train --data /d --epochs 2"), cmd);
    }

    @Test
    void yarnCommandDefaultsToClusterModeAndTakesDataFromTheEnvironment() throws Exception {
        ScriptRun r = ScriptRun.run(Map.of("DATA", "hdfs:///cifar", "OUTPUT", "hdfs:///runs"), 1, "submit/yarn.sh",
                "--queue", "ml", "--executors", "8", "--print", "train", "--epochs", "5");
        assertEquals(0, r.exitCode(), r.output());
        String cmd = r.output();
        assertTrue(cmd.contains("--master yarn --name spark-resnet --deploy-mode cluster"), cmd);
        assertTrue(cmd.contains("--num-executors 8"), cmd);
        assertTrue(cmd.contains("--queue ml"), cmd);
        assertTrue(cmd.contains("spark.executor.memoryOverhead=8192m"), cmd);
        assertTrue(cmd.trim().endsWith("train --epochs 5 --data hdfs:///cifar --output hdfs:///runs"), cmd);
    }

    @Test
    void kubernetesCommandNamesImageAndNamespace() throws Exception {
        ScriptRun r = ScriptRun.run(NO_ENV, 1, "submit/k8s.sh", "--master", "k8s://https://api:443",
                "--image", "reg/spark:3.5", "--namespace", "ml", "--jar", "local:///opt/job.jar", "--print",
                "--data", "s3a://b/cifar");
        assertEquals(0, r.exitCode(), r.output());
        String cmd = r.output();
        assertTrue(cmd.contains("spark.kubernetes.container.image=reg/spark:3.5"), cmd);
        assertTrue(cmd.contains("spark.kubernetes.namespace=ml"), cmd);
        assertTrue(cmd.contains("spark.executor.instances=2"), cmd);
        assertTrue(cmd.contains("local:///opt/job.jar train --data s3a://b/cifar"), cmd);
        // What Spark 3.5 on Kubernetes needs beyond that: the driver's service account, a fixed set of
        // executors, and the Java 17 flags in both pods' JVM options (its entrypoint passes them on).
        assertTrue(cmd.contains("spark.kubernetes.authenticate.driver.serviceAccountName=spark"), cmd);
        assertTrue(cmd.contains("spark.dynamicAllocation.enabled=false"), cmd);
        assertTrue(cmd.contains("--deploy-mode cluster"), cmd);
        for (String role : new String[] {"driver", "executor"}) {
            assertTrue(cmd.matches("(?s).*spark\\." + role + "\\.extraJavaOptions=(?:\\S|\\\\ )*--add-opens=java\\.base/sun\\.nio\\.ch=ALL-UNNAMED.*"), role + ": " + cmd);
            assertTrue(cmd.contains("spark." + role + ".memoryOverhead="), role + ": " + cmd);
        }
    }

    @Test
    void k8sRefusesWhatPodsCannotReach() throws Exception {
        ScriptRun localJar = ScriptRun.run(NO_ENV, 1, "submit/k8s.sh", "--master", "k8s://https://api:443",
                "--image", "reg/spark:3.5", "--jar", "/home/me/job.jar", "--print");
        assertEquals(2, localJar.exitCode(), localJar.output());
        assertTrue(localJar.output().contains("--jar expects local:///PATH/IN/IMAGE or a URL the driver pod can fetch, got '/home/me/job.jar'"),
                localJar.output());
        ScriptRun uploaded = ScriptRun.run(NO_ENV, 1, "submit/k8s.sh", "--master", "k8s://https://api:443",
                "--image", "reg/spark:3.5", "--jar", "/home/me/job.jar",
                "--conf", "spark.kubernetes.file.upload.path=s3a://b/up", "--print");
        assertEquals(0, uploaded.exitCode(), uploaded.output());
        ScriptRun noSparkHome = ScriptRun.run(NO_ENV, 1, "submit/k8s.sh", "--master", "k8s://https://api:443",
                "--image", "reg/spark:3.5", "--jar", "local:///opt/job.jar", "--data", "s3a://b/cifar");
        assertEquals(2, noSparkHome.exitCode(), noSparkHome.output());
        assertTrue(noSparkHome.output().contains("set SPARK_HOME to a Spark 3.5 distribution"), noSparkHome.output());
    }

    @Test
    void badOptionsAreNamed() throws Exception {
        ScriptRun noMaster = ScriptRun.run(NO_ENV, 1, "submit/standalone.sh", "--print", "--data", "/d");
        assertEquals(2, noMaster.exitCode());
        assertTrue(noMaster.output().contains("no master: pass --master URL or set SPARK_MASTER"), noMaster.output());
        ScriptRun badCount = ScriptRun.run(NO_ENV, 1, "submit/standalone.sh", "--master", "spark://h:7077",
                "--executors", "zero", "--print");
        assertEquals(2, badCount.exitCode());
        assertTrue(badCount.output().contains("--executors expects a positive integer, got 'zero'"), badCount.output());
        ScriptRun badMaster = ScriptRun.run(NO_ENV, 1, "submit/standalone.sh", "--master", "yarn", "--print");
        assertTrue(badMaster.output().contains("--master expects spark://HOST:PORT"), badMaster.output());
        ScriptRun noImage = ScriptRun.run(NO_ENV, 1, "submit/k8s.sh", "--master", "k8s://https://api", "--print");
        assertTrue(noImage.output().contains("no container image"), noImage.output());
        ScriptRun badSize = ScriptRun.run(NO_ENV, 1, "submit/yarn.sh", "--executor-memory", "lots", "--print");
        assertTrue(badSize.output().contains("--executor-memory expects a size like 4g or 512m, got 'lots'"), badSize.output());
        assertFalse(badSize.output().contains("spark-submit"), badSize.output());
        ScriptRun hostInCluster = ScriptRun.run(NO_ENV, 1, "submit/yarn.sh", "--driver-host", "10.0.0.9", "--print");
        assertEquals(2, hostInCluster.exitCode());
        assertTrue(hostInCluster.output().contains("--driver-host is for client mode"), hostInCluster.output());
    }
}
