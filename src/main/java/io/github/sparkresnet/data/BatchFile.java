package io.github.sparkresnet.data;

import io.github.sparkresnet.BadInputException;
import java.io.Serializable;

/**
 * One CIFAR-10 batch file as found on storage: its name ({@code data_batch_1.bin} ...), split,
 * full Hadoop path (or archive entry name) and size in bytes.
 */
public record BatchFile(String name, CifarLayout.Split split, String path, long length) implements Serializable {

    public long records() {
        return length / CifarLayout.RECORD_BYTES;
    }

    /** Fails with a message naming the file if its size is not a whole number of records. */
    void checkWholeRecords() {
        long leftover = length % CifarLayout.RECORD_BYTES;
        if (length == 0) {
            throw new BadInputException(path + ": file is empty; expected records of " + CifarLayout.RECORD_BYTES + " bytes");
        }
        if (leftover != 0) {
            throw new BadInputException(path + ": size " + length + " bytes is not a multiple of the record size "
                    + CifarLayout.RECORD_BYTES + " (" + records() + " whole records, " + leftover
                    + " bytes left over); the file is truncated or not in the CIFAR-10 binary layout");
        }
    }
}
