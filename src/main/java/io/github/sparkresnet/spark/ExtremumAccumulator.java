package io.github.sparkresnet.spark;

import org.apache.spark.util.AccumulatorV2;

/**
 * The largest (or smallest) value any task reported, e.g. the peak resident memory of the executors
 * during an epoch. Spark ships only sum accumulators; an extremum is as safe under task retries as a
 * sum is not: a re-run task can only report a value it could have reported the first time.
 */
public final class ExtremumAccumulator extends AccumulatorV2<Long, Long> {
    private final boolean largest;
    private boolean empty = true;
    private long extremum;

    private ExtremumAccumulator(boolean largest) {
        this.largest = largest;
    }

    /** Keeps the largest value reported. */
    public static ExtremumAccumulator max() {
        return new ExtremumAccumulator(true);
    }

    /** Keeps the smallest value reported. */
    public static ExtremumAccumulator min() {
        return new ExtremumAccumulator(false);
    }

    @Override
    public boolean isZero() {
        return empty;
    }

    @Override
    public ExtremumAccumulator copy() {
        ExtremumAccumulator c = new ExtremumAccumulator(largest);
        c.empty = empty;
        c.extremum = extremum;
        return c;
    }

    @Override
    public void reset() {
        empty = true;
    }

    @Override
    public void add(Long v) {
        extremum = empty ? v : largest ? Math.max(extremum, v) : Math.min(extremum, v);
        empty = false;
    }

    @Override
    public void merge(AccumulatorV2<Long, Long> other) {
        if (!other.isZero()) {
            add(other.value());
        }
    }

    /** The extremum so far; {@code -1} before any value. */
    @Override
    public Long value() {
        return empty ? -1L : extremum;
    }
}
