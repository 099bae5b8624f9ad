package org.implicitdl.spark;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The {@code solver} param as what it is: a pipeline of trainer stages run one after another, each
 * starting from the model the previous one hands over — bcd (the paper's block-coordinate descent,
 * §4), gradient (implicit differentiation, design §3), bcd+gradient, gradient+bcd.
 */
public enum SolverPipeline {
  BCD(Stage.BCD),
  GRADIENT(Stage.GRADIENT),
  BCD_THEN_GRADIENT(Stage.BCD, Stage.GRADIENT),
  GRADIENT_THEN_BCD(Stage.GRADIENT, Stage.BCD);

  /** One trainer of the pipeline. */
  public enum Stage {
    BCD, GRADIENT;

    /** The stage's name in the param's value: bcd, gradient. */
    public String id() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final List<Stage> stages;

  SolverPipeline(Stage... stages) {
    this.stages = List.of(stages);
  }

  public List<Stage> stages() {
    return stages;
  }

  public boolean uses(Stage s) {
    return stages.contains(s);
  }

  /** The param's value: the stages' ids joined by '+'. */
  public String id() {
    return stages.stream().map(Stage::id).collect(Collectors.joining("+"));
  }

  /** The pipeline the param's value names; the param's own check has refused anything else. */
  public static SolverPipeline parse(String id) {
    return Arrays.stream(values()).filter(p -> p.id().equals(id)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unknown solver '" + id + "'; expected one of " + String.join(", ", ids())));
  }

  /** Every value the param takes, in declaration order. */
  public static String[] ids() {
    return Arrays.stream(values()).map(SolverPipeline::id).toArray(String[]::new);
  }
}
