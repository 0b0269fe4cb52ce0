package io.github.sparkresnet.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import scala.reflect.ClassTag$;

/** Arrays survive Spark's Kryo serializer, configured as the job configures it, bit for bit. */
class BulkNdArraySerializerTest {
    private static final SerializerInstance KRYO = new KryoSerializer(
            SparkSessions.applyRequired(new SparkConf())).newInstance();

    static Stream<INDArray> arrays() {
        INDArray big = Nd4j.rand(DataType.FLOAT, 300, 700); // > one 64 KB copy chunk
        return Stream.of(
                big,
                Nd4j.rand(DataType.DOUBLE, 3, 4, 5),
                Nd4j.rand(DataType.FLOAT, 'f', 4L, 6L),
                big.get(NDArrayIndex.interval(10, 20), NDArrayIndex.interval(5, 9)), // a strided view
                big.getRow(3), // a view with an offset
                Nd4j.createFromArray(1, -2, 3, Integer.MAX_VALUE),
                Nd4j.createFromArray(5L, -6L),
                Nd4j.createFromArray(true, false, true),
                Nd4j.rand(DataType.HALF, 7),
                Nd4j.scalar(2.5f),
                Nd4j.create(DataType.FLOAT, 0, 3));
    }

    @ParameterizedTest(autoCloseArguments = false) // INDArrays are AutoCloseable; views share a buffer
    @MethodSource("arrays")
    void roundTripKeepsTypeShapeOrderAndValues(INDArray original) {
        INDArray copy = roundTrip(original);
        assertEquals(original.dataType(), copy.dataType());
        assertArrayEquals(original.shape(), copy.shape());
        assertEquals(original, copy);
    }

    @org.junit.jupiter.api.Test
    void theJobsKryoConfigurationUsesIt() {
        KryoSerializer serializer = new KryoSerializer(SparkSessions.applyRequired(new SparkConf()));
        assertEquals(BulkNdArraySerializer.class,
                serializer.newKryo().getSerializer(Nd4j.getBackend().getNDArrayClass()).getClass());
    }

    @org.junit.jupiter.api.Test
    void arraysInsideObjectsSurvive() {
        DataSet ds = new DataSet(Nd4j.rand(DataType.FLOAT, 8, 3, 32, 32), Nd4j.eye(8).getColumns(0, 1));
        DataSet copy = roundTrip(ds);
        assertEquals(ds.getFeatures(), copy.getFeatures());
        assertEquals(ds.getLabels(), copy.getLabels());
        List<INDArray> list = roundTrip(new ArrayList<>(List.of(Nd4j.ones(2, 2), Nd4j.zeros(3))));
        assertEquals(Nd4j.ones(2, 2), list.get(0));
    }

    @SuppressWarnings("unchecked")
    private static <T> T roundTrip(T value) {
        ByteBuffer bytes = KRYO.serialize(value, ClassTag$.MODULE$.AnyRef());
        return (T) KRYO.deserialize(bytes, ClassTag$.MODULE$.AnyRef());
    }
}
