package io.github.sparkresnet.cli;

import io.github.sparkresnet.eval.TestTimeAugmentation;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** {@code --tta}'s value by name, with the choices in the error (train and evaluate share it). */
final class TtaConverter implements ITypeConverter<TestTimeAugmentation> {
    @Override
    public TestTimeAugmentation convert(String value) {
        try {
            return TestTimeAugmentation.named(value);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }
}
