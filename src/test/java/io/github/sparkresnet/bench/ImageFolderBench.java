package io.github.sparkresnet.bench;

import io.github.sparkresnet.data.ClassPair;
import io.github.sparkresnet.data.DataOptions;
import io.github.sparkresnet.data.ImageColumn;
import io.github.sparkresnet.data.ImageFolders;
import io.github.sparkresnet.data.ImageSource;
import io.github.sparkresnet.spark.SparkSessions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

/**
 * What a run pays to load its images from a folder of PNG files ({@code --images}) against CIFAR-10's
 * binary files ({@code --data}): the airplane/bird pair (12,000 images) written once as PNG files
 * ({@code DIR/train/CLASS}, {@code DIR/test/CLASS}), then each source loaded as a training run's plan
 * loads it (resolve, read, select the pair, cache, count the splits, check every image decoded),
 * alternating, on {@code local[2]}. JVM and Spark start-up excluded; the first run of each is cold.
 *
 * <p>Usage: {@code ImageFolderBench CIFAR_PARENT PNG_DIR [runs]} (see bench/image-folder.sh).
 */
public final class ImageFolderBench {
    public static void main(String[] args) throws Exception {
        Path cifar = Path.of(args[0]).resolve("cifar-10-batches-bin");
        Path folder = Path.of(args[1]);
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        List<String> pair = List.of("airplane", "bird");
        if (!Files.exists(folder.resolve("test"))) {
            long t0 = System.nanoTime();
            for (int i = 1; i <= 5; i++) {
                ImageFolders.writeCifar(cifar.resolve("data_batch_" + i + ".bin"), pair, Integer.MAX_VALUE,
                        folder.resolve("train"));
            }
            ImageFolders.writeCifar(cifar.resolve("test_batch.bin"), pair, Integer.MAX_VALUE, folder.resolve("test"));
            System.out.printf("wrote the pair as PNG files under %s in %.1f s%n", folder, (System.nanoTime() - t0) / 1e9);
        }
        SparkConf conf = new SparkConf().setMaster("local[2]").setAppName("image-folder-bench")
                .set("spark.ui.enabled", "false");
        SparkSession spark = SparkSession.builder().config(SparkSessions.applyRequired(conf)).getOrCreate();
        spark.range(0, 1000, 1, 2).selectExpr("id * 2 as x").repartition(2).javaRDD().count(); // Spark's warm-up
        double[][] seconds = new double[2][runs];
        String[] names = {"binary (--data)", "png (--images)"};
        for (int run = 0; run < runs; run++) {
            for (int kind = 0; kind < 2; kind++) {
                DataOptions options = new DataOptions();
                if (kind == 0) {
                    options.path = args[0];
                } else {
                    options.images = folder.toString();
                }
                options.testFraction = 0.2;
                long t0 = System.nanoTime();
                ImageSource source = options.source(spark.sparkContext().hadoopConfiguration());
                Dataset<Row> rows = ClassPair.parse("airplane,bird", source.classNames()).select(source.read(spark))
                        .persist(StorageLevel.MEMORY_ONLY());
                ImageColumn.requireDecoded(rows, source, options.shown());
                long train = rows.filter("split = 'train'").count();
                long test = rows.filter("split = 'test'").count();
                seconds[kind][run] = (System.nanoTime() - t0) / 1e9;
                rows.unpersist(true);
                System.out.printf("run %d %s: %.2f s (%d train, %d test images)%n", run + 1, names[kind],
                        seconds[kind][run], train, test);
            }
        }
        for (int kind = 0; kind < 2; kind++) {
            double warm = Double.MAX_VALUE;
            for (int run = 1; run < runs; run++) {
                warm = Math.min(warm, seconds[kind][run]);
            }
            System.out.printf("image_folder source=%s cold_s=%.2f warm_s=%.2f%n", kind == 0 ? "binary" : "png",
                    seconds[kind][0], warm);
        }
        spark.stop();
    }
}
