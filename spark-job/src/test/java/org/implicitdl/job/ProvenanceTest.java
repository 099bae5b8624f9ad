package org.implicitdl.job;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Provenance records: the schema comparison retrain refuses on, and the JSON round trip. */
class ProvenanceTest {
  private static Provenance recorded(List<String> schema) {
    return new Provenance("delta", "/lake/t", 3, List.of(), schema, 10, "abc", Jobs.JSON.createObjectNode().put("task", "classification"),
        "0.1.0", 42);
  }

  @Test
  void schemaChangesAreNamedColumnByColumn() {
    Provenance p = recorded(List.of("x1: double", "x2: int", "label: int"));
    assertEquals("", p.schemaChange(List.of("x1: double", "x2: int", "label: int")));
    assertEquals("new column 'x3' (double)", p.schemaChange(List.of("x1: double", "x2: int", "x3: double", "label: int")));
    assertEquals("missing column 'x2'", p.schemaChange(List.of("x1: double", "label: int")));
    assertEquals("column 'x2' changed from int to string", p.schemaChange(List.of("x1: double", "x2: string", "label: int")));
    assertEquals("new column 'y' (double), missing column 'label'", p.schemaChange(List.of("x1: double", "x2: int", "y: double")));
  }

  @Test
  void theJsonRoundTripKeepsEveryField() throws Exception {
    Provenance p = new Provenance("csv", "/data/x.csv", -1, List.of(new Provenance.FileEntry("file:/data/x.csv", 120, 1700000000000L)),
        List.of("a: double", "label: int"), 5, "ff00", Jobs.JSON.readTree("{\"trainer\":{\"seed\":7}}"), "0.1.0", 7);
    Provenance back = Provenance.fromJson(Jobs.JSON.readTree(Jobs.JSON.writeValueAsString(p.toJson())));
    assertEquals(p, back);
    assertFalse(p.toJson().has("version"), "files have no table version");
    assertEquals(3, recorded(List.of()).toJson().get("version").asLong());
  }
}
