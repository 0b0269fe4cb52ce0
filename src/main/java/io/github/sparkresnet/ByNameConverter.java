package io.github.sparkresnet;

import java.util.function.Function;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * An option value looked up by name with the type's own {@code named} method, whose error (the
 * choices and what was found) becomes picocli's: "Invalid value for option '--x': expected one of ...".
 * Each option's converter is a one-line subclass beside the option.
 */
public abstract class ByNameConverter<T> implements ITypeConverter<T> {
    private final Function<String, T> named;

    protected ByNameConverter(Function<String, T> named) {
        this.named = named;
    }

    @Override
    public T convert(String value) {
        try {
            return named.apply(value);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }
}
