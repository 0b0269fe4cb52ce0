package io.github.sparkresnet.train;

import io.github.sparkresnet.BadInputException;
import io.github.sparkresnet.OutputStoreException;
import io.github.sparkresnet.model.ResNet34;
import io.github.sparkresnet.model.SavedNetworks;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * A run's checkpoints and models, on any Hadoop file system:
 * <pre>
 *   OUTPUT/checkpoints/RUN/epoch-0003.zip          network + Adam state after epoch 3
 *   OUTPUT/checkpoints/RUN/epoch-0003.properties   epoch, run settings, val_accuracy
 *   OUTPUT/model/RUN/final.zip                     after the last epoch
 *   OUTPUT/model/RUN/best.zip (+ .properties)      best val_accuracy so far
 * </pre>
 * Every file is written under a temporary name and renamed into place; the sidecar is committed
 * before the zip, so an {@code epoch-N.zip} exists only when its checkpoint is complete.
 */
public final class Checkpoints {
    private static final Pattern CHECKPOINT = Pattern.compile("epoch-(\\d{4})\\.zip");
    /** Identity keys added later: a checkpoint without them was trained with these values. */
    private static final Map<String, String> BEFORE_IT_WAS_RECORDED = Map.of("stem", "imagenet", "weight-decay", "0.0",
            "validation-fraction", "0.0");
    private final FileSystem fs;
    private final Path checkpointDir;
    private final Path modelDir;

    public Checkpoints(String output, String runId, Configuration hadoopConf) {
        this.checkpointDir = new Path(new Path(output, "checkpoints"), runId);
        this.modelDir = new Path(new Path(output, "model"), runId);
        try {
            this.fs = checkpointDir.getFileSystem(hadoopConf);
        } catch (IOException e) {
            throw new BadInputException("--output " + output + ": cannot open its file system: " + e.getMessage(), e);
        }
    }

    /** A restored checkpoint: the network with its updater state, and its sidecar. */
    public record Restored(int epoch, ComputationGraph net, Properties info) {
    }

    /** Serialized network (with updater state), ready to be written to several places. */
    public static byte[] serialize(ComputationGraph net) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream((int) Math.min(Integer.MAX_VALUE - 8,
                SavedNetworks.sizeHint(net)));
        try {
            SavedNetworks.write(net, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Saves the checkpoint of {@code epoch}. */
    public void save(int epoch, byte[] model, Properties info) {
        String name = String.format("epoch-%04d", epoch);
        writeAtomically(new Path(checkpointDir, name + ".properties"), toBytes(info));
        writeAtomically(new Path(checkpointDir, name + ".zip"), model);
    }

    /**
     * Deletes all but the newest {@code keep} checkpoints (0 keeps all): a long run otherwise fills the
     * disk at ~255 MB an epoch. The zip goes first, so a crash mid-way leaves no half checkpoint.
     */
    public void prune(int keep) {
        if (keep == 0) {
            return;
        }
        try {
            java.util.List<Integer> epochs = new java.util.ArrayList<>(completeEpochs().keySet());
            for (int i = 0; i < epochs.size() - keep; i++) {
                String name = String.format("epoch-%04d", epochs.get(i));
                fs.delete(new Path(checkpointDir, name + ".zip"), false);
                fs.delete(new Path(checkpointDir, name + ".properties"), false);
            }
        } catch (IOException e) {
            throw new OutputStoreException("pruning old checkpoints in " + checkpointDir, e);
        }
    }

    /** Writes {@code OUTPUT/model/RUN/NAME.zip} and its sidecar. */
    public void saveModel(String name, byte[] model, Properties info) {
        writeAtomically(new Path(modelDir, name + ".properties"), toBytes(info));
        writeAtomically(new Path(modelDir, name + ".zip"), model);
    }

    public String modelPath(String name) {
        return new Path(modelDir, name + ".zip").toString();
    }

    public String directory() {
        return checkpointDir.toString();
    }

    /** True if the run has any checkpoint, complete or not. */
    public boolean exist() {
        try {
            return fs.exists(checkpointDir) && fs.listStatus(checkpointDir).length > 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes the temporary files a killed driver left behind (they never count as checkpoints). */
    public void discardUnfinished() {
        try {
            for (Path dir : new Path[] {checkpointDir, modelDir}) {
                if (!fs.exists(dir)) {
                    continue;
                }
                for (FileStatus s : fs.listStatus(dir)) {
                    String name = s.getPath().getName();
                    if (name.startsWith(".") && name.endsWith(".tmp")) {
                        fs.delete(s.getPath(), false);
                    }
                }
            }
        } catch (IOException e) {
            throw new OutputStoreException("cleaning " + checkpointDir, e);
        }
    }

    /** The highest complete checkpoint's epoch. */
    public Optional<Integer> latestEpoch() {
        try {
            TreeMap<Integer, FileStatus> found = completeEpochs();
            return found.isEmpty() ? Optional.empty() : Optional.of(found.lastKey());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Complete checkpoints (those with a zip) by epoch, oldest first. */
    private TreeMap<Integer, FileStatus> completeEpochs() throws IOException {
        TreeMap<Integer, FileStatus> found = new TreeMap<>();
        if (fs.exists(checkpointDir)) {
            for (FileStatus s : fs.listStatus(checkpointDir)) {
                Matcher m = CHECKPOINT.matcher(s.getPath().getName());
                if (m.matches()) {
                    found.put(Integer.parseInt(m.group(1)), s);
                }
            }
        }
        return found;
    }

    /**
     * Restores a checkpoint and checks that it belongs to a run with the same {@code identity}
     * (classes, model, seed): every mismatch is named.
     */
    public Restored restore(int epoch, Map<String, String> identity) {
        String name = String.format("epoch-%04d", epoch);
        Path zip = new Path(checkpointDir, name + ".zip");
        Path sidecar = new Path(checkpointDir, name + ".properties");
        Properties info = new Properties();
        try (InputStream in = fs.open(sidecar)) {
            info.load(in);
        } catch (IOException e) {
            throw new BadInputException(sidecar + ": checkpoint description unreadable (" + e.getMessage()
                    + "); the checkpoint is incomplete or corrupt", e);
        }
        StringBuilder conflicts = new StringBuilder();
        identity.forEach((k, v) -> {
            String was = TrainConfig.recorded(info, k, BEFORE_IT_WAS_RECORDED.get(k));
            if (!v.equals(was)) {
                conflicts.append(conflicts.length() == 0 ? "" : "; ").append(k).append(": checkpoint has ")
                        .append(was).append(", this run asks for ").append(v);
            }
        });
        if (conflicts.length() > 0) {
            throw new BadInputException("--resume: " + zip + " was written by a different run configuration ("
                    + conflicts + "); use a new --run-id or the original settings");
        }
        ComputationGraph net;
        try (InputStream in = fs.open(zip)) {
            net = SavedNetworks.restore(in, true);
        } catch (Exception e) {
            throw new BadInputException(zip + ": not a readable DL4J ComputationGraph checkpoint (" + e + ")", e);
        }
        requireUsable(net, zip);
        return new Restored(epoch, net, info);
    }

    /** A network this job can continue: the project's ResNet34, with finite parameters. */
    private static void requireUsable(ComputationGraph net, Path zip) {
        if (net.getConfiguration().getVertices().get(ResNet34.stageOutput(4)) == null
                || !net.getConfiguration().getNetworkOutputs().equals(java.util.List.of(ResNet34.OUTPUT))) {
            throw new BadInputException(zip + ": a DL4J ComputationGraph, but not this job's ResNet34 (outputs "
                    + net.getConfiguration().getNetworkOutputs() + ", " + net.getNumLayers()
                    + " layers); expected a checkpoint written by spark-resnet train");
        }
        if (!Double.isFinite(net.params().sumNumber().doubleValue())) {
            throw new BadInputException(zip + ": parameters contain NaN or infinite values; the checkpoint is "
                    + "corrupt or from a diverged run. Resume from an earlier epoch (move the later ones away)");
        }
    }

    private void writeAtomically(Path target, byte[] content) {
        Path tmp = new Path(target.getParent(), "." + target.getName() + "." + UUID.randomUUID() + ".tmp");
        try {
            fs.mkdirs(target.getParent());
            try (OutputStream out = fs.create(tmp, false)) {
                out.write(content);
            }
            if (fs.exists(target)) {
                fs.delete(target, false);
            }
            if (!fs.rename(tmp, target)) {
                throw new IOException("could not rename " + tmp + " to " + target);
            }
        } catch (IOException e) {
            try {
                fs.delete(tmp, false);
            } catch (IOException ignored) {
                // the original failure is the one to report
            }
            throw new OutputStoreException("writing " + target, e);
        }
    }

    private static byte[] toBytes(Properties p) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            p.store(out, "spark-resnet checkpoint");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
