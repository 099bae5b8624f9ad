package org.implicitdl.model;

import org.implicitdl.solve.Activation;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Iterator;
import org.implicitdl.linalg.Matrix;

/**
 * Exchange format for moving models to and from other tools (NumPy, PyTorch):
 * {@code {"activation": "relu", "inputBias": true, "A": [[...]], "B": [[...]], "C": [[...]], "D": [[...]]}},
 * matrices as arrays of rows; with inputBias the last columns of B and D are the bias.
 * Import checks structure, shapes, finiteness and well-posedness, naming what is wrong.
 * Doubles are written with Java's shortest round-trip repr, so export → import is exact.
 */
public final class ModelJson {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private ModelJson() {}

  public static String write(ImplicitModel m) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("activation", m.activation().id());
    root.put("inputBias", m.inputBias());
    put(root, "A", m.a());
    put(root, "B", m.b());
    put(root, "C", m.c());
    put(root, "D", m.d());
    try {
      return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(root);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Parses and validates; refuses malformed, inconsistent or ill-posed models. */
  public static ImplicitModel read(String json) {
    JsonNode root;
    try {
      root = MAPPER.readTree(json);
    } catch (IOException e) {
      throw new IllegalArgumentException("model JSON is malformed: " + e.getMessage().split("\n")[0]);
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("model JSON must be an object with keys activation, inputBias, A, B, C, D");
    }
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!java.util.Set.of("activation", "inputBias", "A", "B", "C", "D").contains(key)) {
        throw new IllegalArgumentException("model JSON has unknown key '" + key + "'");
      }
    }
    JsonNode activation = required(root, "activation");
    if (!activation.isTextual()) {
      throw new IllegalArgumentException("model JSON key 'activation' must be a string");
    }
    JsonNode bias = root.get("inputBias");
    if (bias != null && !bias.isBoolean()) {
      throw new IllegalArgumentException("model JSON key 'inputBias' must be true or false");
    }
    ImplicitModel m = new ImplicitModel(matrix(root, "A"), matrix(root, "B"), matrix(root, "C"), matrix(root, "D"),
        Activation.parse(activation.asText()), bias != null && bias.asBoolean());
    if (!m.certificate().isWellPosed()) {
      throw new IllegalArgumentException("model JSON describes an ill-posed model: ||A||_inf = " + m.certificate().infNorm()
          + ", Perron-Frobenius bound " + m.certificate().perronFrobenius() + " (both must allow a contraction below 1)");
    }
    return m;
  }

  private static void put(ObjectNode root, String key, Matrix m) {
    ArrayNode rows = root.putArray(key);
    for (int i = 0; i < m.rows(); i++) {
      ArrayNode row = rows.addArray();
      for (int j = 0; j < m.cols(); j++) {
        row.add(m.get(i, j));
      }
    }
  }

  private static JsonNode required(JsonNode root, String key) {
    JsonNode n = root.get(key);
    if (n == null) {
      throw new IllegalArgumentException("model JSON is missing key '" + key + "'");
    }
    return n;
  }

  private static Matrix matrix(JsonNode root, String key) {
    JsonNode rows = required(root, key);
    if (!rows.isArray()) {
      throw new IllegalArgumentException("model JSON key '" + key + "' must be an array of rows");
    }
    int r = rows.size();
    int c = r == 0 ? 0 : rows.get(0).size();
    Matrix m = Matrix.zeros(r, c);
    for (int i = 0; i < r; i++) {
      JsonNode row = rows.get(i);
      if (!row.isArray() || row.size() != c) {
        throw new IllegalArgumentException("model JSON '" + key + "' row " + i + " has " + (row.isArray() ? row.size() : 0)
            + " entries, expected " + c);
      }
      for (int j = 0; j < c; j++) {
        if (!row.get(j).isNumber()) {
          throw new IllegalArgumentException("model JSON '" + key + "' entry (" + i + ", " + j + ") is not a number: " + row.get(j));
        }
        m.set(i, j, row.get(j).asDouble());
      }
    }
    return m;
  }
}
