package org.implicitdl.spark;

import static org.junit.jupiter.api.Assertions.*;

import org.apache.spark.SparkConf;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.train.TrainingBlock;
import org.junit.jupiter.api.Test;
import scala.reflect.ClassTag;

/**
 * What crosses Spark's serializer survives Kryo (a common cluster setting): the training blocks and their states
 * (RDD elements, cached, spilled and checkpointed), and any value {@link Shipped} (broadcast payloads and models,
 * partial aggregates). A record that is neither is what Kryo cannot rebuild: the check that the annotation is needed.
 */
class KryoShippingTest {
  private static final SerializerInstance KRYO = new KryoSerializer(new SparkConf()).newInstance();

  @SuppressWarnings("unchecked")
  private static <T> T roundTrip(T value) {
    ClassTag<T> tag = (ClassTag<T>) scala.reflect.ClassTag$.MODULE$.apply(value.getClass());
    return KRYO.deserialize(KRYO.serialize(value, tag), tag);
  }

  /** A record as Kryo would meet it without the annotation. */
  record Unmarked(Matrix m) implements java.io.Serializable {}

  @Test
  void blocksStatesAndShippedValuesComeBackEntryForEntry() {
    Matrix u = new Matrix(3, 2, new double[] {0.1, 0.2, 1, 0.3, 0.4, 1}).inSinglePrecision();
    Matrix y = new Matrix(1, 2, new double[] {5, 6});
    TrainingBlock block = new TrainingBlock(u, y, null, null, TrainingBlock.unitWeights(2));
    TrainingBlock back = roundTrip(block);
    assertArrayEquals(u.data(), ((Matrix) back.u()).data(), 0.0);
    assertTrue(((Matrix) back.u()).isSinglePrecision(), "single-precision inputs stay so");
    assertArrayEquals(y.data(), back.y().data(), 0.0);
    assertNull(back.x());

    TrainingBlock.States states = new TrainingBlock.States(Matrix.identity(2), Matrix.zeros(2, 2));
    assertEquals(states.x(), roundTrip(states).x());

    ImplicitModel model = new ImplicitModel(Matrix.zeros(2, 2), Matrix.hstack(Matrix.identity(2), Matrix.zeros(2, 1)),
        new Matrix(1, 2, new double[] {1, -1}), Matrix.zeros(1, 3), org.implicitdl.solve.Activation.RELU, true);
    Shipped<ImplicitModel> shipped = roundTrip(new Shipped<>(model));
    assertEquals(model.b(), shipped.value().b());
    assertEquals(model.c(), shipped.value().c());

    assertThrows(Exception.class, () -> roundTrip(new Unmarked(Matrix.identity(2))), "Kryo's field serializer cannot rebuild a record");
  }
}
