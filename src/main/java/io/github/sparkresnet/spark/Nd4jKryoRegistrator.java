package io.github.sparkresnet.spark;

import com.esotericsoftware.kryo.Kryo;
import org.apache.spark.serializer.KryoRegistrator;
import org.nd4j.kryo.Nd4jRegistrator;
import org.nd4j.linalg.factory.Nd4j;

/**
 * ND4J's Kryo registrations (required: without them Kryo fails with a NullPointerException on
 * jvmShapeInfo), with INDArrays then re-registered to {@link BulkNdArraySerializer}.
 * Set as {@code spark.kryo.registrator}.
 */
public final class Nd4jKryoRegistrator implements KryoRegistrator {
    @Override
    public void registerClasses(Kryo kryo) {
        new Nd4jRegistrator().registerClasses(kryo);
        kryo.register(Nd4j.getBackend().getNDArrayClass(), new BulkNdArraySerializer());
    }
}
