package io.github.sparkresnet.data;

import io.github.sparkresnet.BadInputException;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * Streams the records of one batch file as DataFrame rows (see {@link CifarReader#SCHEMA}), one
 * record in memory at a time, checking each label byte. The caller owns the stream.
 */
final class RecordIterator implements Iterator<Row> {
    private final BatchFile file;
    private final DataInputStream in;
    private final List<String> classNames;
    private final long records;
    private int next;

    RecordIterator(BatchFile file, InputStream in, List<String> classNames) {
        this.file = file;
        this.in = new DataInputStream(in);
        this.classNames = classNames;
        this.records = file.records();
    }

    @Override
    public boolean hasNext() {
        return next < records;
    }

    @Override
    public Row next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        int index = next++;
        int label;
        byte[] image = new byte[CifarLayout.IMAGE_BYTES];
        try {
            label = in.readUnsignedByte();
            in.readFully(image);
        } catch (EOFException e) {
            throw new BadInputException(file.path() + ": ends inside record " + index + " (expected "
                    + records + " records of " + CifarLayout.RECORD_BYTES + " bytes); the file is truncated", e);
        } catch (IOException e) {
            throw new UncheckedIOException(file.path() + ": read failed at record " + index, e);
        }
        if (label >= CifarLayout.NUM_CLASSES) {
            throw new BadInputException(file.path() + ": record " + index + " (byte offset "
                    + (long) index * CifarLayout.RECORD_BYTES + ") has label byte " + label
                    + "; expected 0-" + (CifarLayout.NUM_CLASSES - 1));
        }
        return RowFactory.create(file.split().label(), file.name(), index, label, classNames.get(label), image);
    }
}
