package io.github.sparkresnet.cli;

import io.github.sparkresnet.data.Augmentation;
import io.github.sparkresnet.eval.TestTimeAugmentation;
import java.util.function.Function;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * An option value looked up by name with the type's own {@code named} method, whose error (the
 * choices and what was found) becomes picocli's: "Invalid value for option '--x': expected one of ...".
 */
abstract class ByNameConverter<T> implements ITypeConverter<T> {
    private final Function<String, T> named;

    ByNameConverter(Function<String, T> named) {
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

    /** {@code --augment}. */
    static final class ForAugmentation extends ByNameConverter<Augmentation> {
        ForAugmentation() {
            super(Augmentation::named);
        }
    }

    /** {@code --tta} (train and evaluate). */
    static final class ForTta extends ByNameConverter<TestTimeAugmentation> {
        ForTta() {
            super(TestTimeAugmentation::named);
        }
    }
}
