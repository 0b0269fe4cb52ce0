/**
 * The entry points: {@code Main} (picocli) and its commands {@code train}, {@code predict},
 * {@code evaluate}, {@code report} and {@code check}; the mapping of failures to one {@code error:}
 * line and an exit code; {@code Main.trainConfig} for notebooks and other JVM callers; where option
 * defaults come from besides the built-in ones ({@code OptionDefaults}: {@code --recipe}, a named
 * recipe shipped in the jar, and a {@code --config} file).
 *
 * <p>Imports: any package of the project; nothing imports this one.
 */
package io.github.sparkresnet.cli;
