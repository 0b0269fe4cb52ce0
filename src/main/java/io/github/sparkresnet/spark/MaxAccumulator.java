package io.github.sparkresnet.spark;

import org.apache.spark.util.AccumulatorV2;

/**
 * The largest value any task reported, e.g. the peak resident memory of the executors during an
 * epoch. Spark ships only sum accumulators; a maximum is as safe under task retries as a sum is
 * not: a re-run task can only report a value it could have reported the first time.
 */
public final class MaxAccumulator extends AccumulatorV2<Long, Long> {
    private long max = Long.MIN_VALUE;

    @Override
    public boolean isZero() {
        return max == Long.MIN_VALUE;
    }

    @Override
    public MaxAccumulator copy() {
        MaxAccumulator c = new MaxAccumulator();
        c.max = max;
        return c;
    }

    @Override
    public void reset() {
        max = Long.MIN_VALUE;
    }

    @Override
    public void add(Long v) {
        max = Math.max(max, v);
    }

    @Override
    public void merge(AccumulatorV2<Long, Long> other) {
        add(other.value());
    }

    /** The maximum so far; {@code -1} before any value. */
    @Override
    public Long value() {
        return isZero() ? -1L : max;
    }
}
