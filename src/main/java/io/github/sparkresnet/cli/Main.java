package io.github.sparkresnet.cli;

import io.github.sparkresnet.BadInputException;
import io.github.sparkresnet.OutOfMemory;
import io.github.sparkresnet.OutputStoreException;
import io.github.sparkresnet.Redaction;
import io.github.sparkresnet.train.EpochLostException;
import io.github.sparkresnet.train.TrainConfig;
import io.github.sparkresnet.train.TrainingDivergedException;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The one entry point: {@code spark-submit --class io.github.sparkresnet.cli.Main job.jar train ...}
 * on a cluster, and {@code submit/run-local.sh train ...} on embedded Spark.
 *
 * <p>Exit codes: 0 success, 2 bad input (usage errors and {@link BadInputException}), 3 a failed
 * {@code check}, 4 training diverged (NaN or infinite loss, {@link TrainingDivergedException}), 5
 * the output store failed mid-write ({@link OutputStoreException}: retry with {@code --resume}), 6
 * executors kept dying until an epoch ran out of attempts ({@link EpochLostException}), 1 anything else.
 */
@Command(name = "spark-resnet",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Train a ResNet34 on two CIFAR-10 classes with Spark and DL4J parameter averaging.",
        subcommands = {TrainCommand.class, PredictCommand.class, EvaluateCommand.class, ReportCommand.class, CheckCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    public static final int EXIT_BAD_INPUT = 2;
    public static final int EXIT_DIVERGED = 4;
    public static final int EXIT_OUTPUT_STORE = 5;
    public static final int EXIT_EPOCH_LOST = 6;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        int exitCode = run(args);
        if (inYarnApplicationMaster()) {
            // YARN cluster mode: the ApplicationMaster reports the final status once main returns and
            // then exits itself; System.exit here would pre-empt that and fail even a good run. A
            // failure is reported the way the ApplicationMaster understands: an exception.
            if (exitCode != 0) {
                throw new IllegalStateException("the job failed with exit code " + exitCode + " (its error: line is above)");
            }
            return;
        }
        // exit explicitly: Spark and ND4J leave non-daemon threads behind
        System.exit(exitCode);
    }

    /** Whether this JVM is a YARN ApplicationMaster running the job as its driver (cluster deploy mode). */
    static boolean inYarnApplicationMaster() {
        // The ApplicationMaster copies the application's Spark settings into system properties.
        return System.getProperty("spark.master", "").startsWith("yarn")
                && "cluster".equals(System.getProperty("spark.submit.deployMode"));
    }

    /** Runs the command line and returns the exit code (tests call this). */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        try {
            OptionDefaults.install(cli, args);
        } catch (BadInputException e) {
            return fail(cli.getErr(), e.getMessage(), EXIT_BAD_INPUT);
        }
        // Usage errors read like every other bad input: one "error:" line, then where to look.
        cli.setParameterExceptionHandler((ex, badArgs) -> {
            return fail(ex.getCommandLine().getErr(), ex.getMessage() + "\nRun '"
                    + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help' for the options.", EXIT_BAD_INPUT);
        });
        cli.setExitCodeExceptionMapper(t -> t instanceof CommandLine.ParameterException || BadInputException.findIn(t) != null
                ? EXIT_BAD_INPUT : t instanceof TrainingDivergedException ? EXIT_DIVERGED : 1);
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            BadInputException bad = BadInputException.findIn(e);
            PrintWriter err = cmd.getErr();
            if (bad != null) {
                return fail(err, bad.getMessage(), EXIT_BAD_INPUT);
            }
            String outOfMemory = OutOfMemory.findIn(e);
            if (outOfMemory != null) {
                return fail(err, "out of memory (" + outOfMemory + "). The driver or an executor needs more: "
                        + "raise DRIVER_MEMORY_GB / OFFHEAP_GB (submit/run-local.sh) or --driver-memory, "
                        + "--executor-memory, --executor-offheap (submit/*.sh), or lower --batch-size-per-worker; "
                        + "docs/reliability.md: Memory. Completed epochs are checkpointed: continue with --resume.", 1);
            }
            if (e instanceof TrainingDivergedException) {
                return fail(err, e.getMessage(), EXIT_DIVERGED);
            }
            if (e instanceof EpochLostException) {
                return fail(err, e.getMessage(), EXIT_EPOCH_LOST);
            }
            OutputStoreException store = OutputStoreException.findIn(e);
            if (store != null) {
                return fail(err, store.getMessage() + ". Nothing half-written is visible and completed epochs are "
                        + "checkpointed: once the store works, run the command again (train: with --resume).", EXIT_OUTPUT_STORE);
            }
            throw e;
        });
        return cli.execute(args);
    }

    /** Prints {@code error: MESSAGE} (credentials in paths hidden) and returns {@code exitCode}. */
    private static int fail(PrintWriter err, String message, int exitCode) {
        err.println("error: " + Redaction.hideCredentials(message));
        err.flush();
        return exitCode;
    }

    /**
     * The {@link TrainConfig} that {@code train ARGS} would run, parsed and validated exactly as on the
     * command line (defaults, {@code --config}, checks): the entry point for notebooks and other JVM
     * callers, e.g. {@code new TrainingJob(spark, Main.trainConfig("--data", dir, "--epochs", "2"))}.
     *
     * @throws BadInputException naming the offending option
     */
    public static TrainConfig trainConfig(String... trainArgs) {
        String[] args = new String[trainArgs.length + 1];
        args[0] = "train";
        System.arraycopy(trainArgs, 0, args, 1, trainArgs.length);
        CommandLine cli = new CommandLine(new Main());
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        OptionDefaults.install(cli, args);
        try {
            CommandLine.ParseResult parsed = cli.parseArgs(args);
            TrainCommand train = parsed.subcommand().commandSpec().commandLine().getCommand();
            return train.config().validate();
        } catch (CommandLine.ParameterException e) {
            throw new BadInputException(e.getMessage(), e);
        }
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
