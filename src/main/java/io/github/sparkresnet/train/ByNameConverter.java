package io.github.sparkresnet.train;

import io.github.sparkresnet.data.Augmentation;
import io.github.sparkresnet.eval.TestTimeAugmentation;
import java.util.function.Function;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * An option value looked up by name with the type's own {@code named} method, whose error (the
 * choices and what was found) becomes picocli's: "Invalid value for option '--x': expected one of ...".
 */
public abstract class ByNameConverter<T> implements ITypeConverter<T> {
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
    public static final class ForAugmentation extends ByNameConverter<Augmentation> {
        public ForAugmentation() {
            super(Augmentation::named);
        }
    }

    /** {@code --tta} (train and evaluate). */
    public static final class ForTta extends ByNameConverter<TestTimeAugmentation> {
        public ForTta() {
            super(TestTimeAugmentation::named);
        }
    }
}
