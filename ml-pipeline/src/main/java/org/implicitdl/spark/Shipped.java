package org.implicitdl.spark;

import com.esotericsoftware.kryo.DefaultSerializer;
import com.esotericsoftware.kryo.serializers.JavaSerializer;

/**
 * A value that crosses Spark's serializer — a broadcast payload or model, a task's partial aggregate — in Java
 * serialization whatever {@code spark.serializer} is. Clusters often set Kryo, whose field serializer can neither
 * rebuild Java records (final fields) nor a matrix's entries (written in bulk by its own {@code writeObject});
 * Kryo serializes a class annotated with {@link DefaultSerializer} with the serializer it names, here Java's,
 * which carries everything inside. The training blocks, which Spark caches and spills as RDD elements, carry the
 * same annotation themselves.
 *
 * @param value what is shipped
 */
@DefaultSerializer(JavaSerializer.class)
record Shipped<T>(T value) implements java.io.Serializable {}
