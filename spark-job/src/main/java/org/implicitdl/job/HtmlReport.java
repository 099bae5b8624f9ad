package org.implicitdl.job;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.robust.IntervalAnalysis;
import org.implicitdl.spark.ImplicitClassificationModel;
import org.implicitdl.spark.ModelInfo;
import org.implicitdl.spark.TrainingSummary;
import org.implicitdl.train.EpochRecord;
import org.implicitdl.train.StepwiseRefinement;

/**
 * The report written next to each model, for a person: the validation result beside the linear
 * baseline, the certificate in words, training and held-out curves per epoch, the confusion
 * matrix (classification) or residuals (regression), feature relevance (column norms of B and D,
 * eq. 19; an image when the inputs are a square image), and the sparsity pattern of A.
 */
final class HtmlReport {
  /** Features listed by name in the relevance chart when the input is not an image. */
  static final int TOP_FEATURES = 30;

  private HtmlReport() {}

  /** Everything the report shows. */
  record Input(String title, ModelInfo model, TrainingSummary summary, String metricName, Evaluation evaluation, String metricsJson) {}

  static String render(Input in) throws IOException {
    ImplicitModel m = in.model().implicitModel();
    StringBuilder html = new StringBuilder();
    html.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>").append(escape(in.title())).append("</title><style>")
        .append("body{font-family:system-ui,sans-serif;margin:2em auto;max-width:920px;color:#222;padding:0 1em}")
        .append("table{border-collapse:collapse}td,th{padding:3px 10px;text-align:right}th{text-align:left}")
        .append(".facts td:first-child{text-align:left;color:#555}.cm td{min-width:2.4em;border:1px solid #eee}")
        .append(".lead{font-size:1.15em}pre{background:#f4f4f4;padding:1em;overflow:auto}</style></head><body>");
    html.append("<h1>").append(escape(in.title())).append("</h1>");
    html.append("<p class=\"lead\">").append(lead(in)).append("</p>");
    html.append("<h2>Summary</h2>").append(facts(in, m));
    html.append("<h2>Well-posedness certificate</h2><p>").append(escape(in.model().certificate().inWords())).append("</p>");
    html.append("<h2>").append(escape(capital(in.metricName()))).append(" per epoch</h2>").append(metricCurves(in));
    html.append("<h2>Objective per epoch</h2>").append(SvgCharts.lines("objective per epoch", "epoch", "objective",
        List.of(new SvgCharts.Series("objective", column(in.summary().history(), EpochRecord::objective), false)), Double.NaN, ""));
    if (in.evaluation().confusion() != null) {
      String[] names = in.model() instanceof ImplicitClassificationModel c ? c.classNames() : new String[0];
      html.append("<h2>Confusion matrix (validation)</h2>").append(confusion(in.evaluation().confusion(), names));
    } else {
      html.append("<h2>Residuals (validation)</h2>").append(SvgCharts.scatter("residuals against predictions", "prediction",
          "label − prediction", in.evaluation().residuals()));
    }
    html.append("<h2>Feature relevance</h2>").append(relevance(in.model()));
    if (!in.summary().selectionPath().isEmpty()) {
      html.append("<h2>Feature selection path</h2>").append(selectionPath(in.summary().selectionPath()));
    }
    if (m.certificate().isWellPosed()) {
      html.append("<h2>Sensitivity (worst case)</h2>").append(sensitivity(in.model()));
    }
    html.append("<h2>Sparsity pattern of A</h2><p>Black: non-zero A<sub>ij</sub> (state j feeds state i).</p>")
        .append("<img alt=\"sparsity pattern of A\" style=\"image-rendering:pixelated;width:320px;border:1px solid #ccc\" src=\"data:image/png;base64,")
        .append(png(sparsity(m.a()))).append("\">");
    html.append("<details><summary>metrics.json</summary><pre>").append(escape(in.metricsJson())).append("</pre></details>");
    return html.append("</body></html>\n").toString();
  }

  private static String lead(Input in) {
    String metric = in.metricName();
    Double value = in.evaluation().metrics().get(metric);
    StringBuilder s = new StringBuilder("Validation ").append(metric).append(" <b>").append(number(value)).append("</b> on ")
        .append(String.format(Locale.ROOT, "%,d", in.evaluation().metrics().get("count").longValue())).append(" rows");
    double base = in.evaluation().baselineMetric(metric);
    if (Double.isFinite(base)) {
      s.append(" (linear baseline, ").append(in.evaluation().baseline().get("model")).append(": ").append(number(base)).append(")");
    }
    return s.append(". Trained by <code>").append(escape(in.summary().solver())).append("</code> in ")
        .append(String.format(Locale.ROOT, "%.1f", in.summary().seconds())).append(" s, ").append(in.summary().totalEpochs()).append(" epochs.")
        .toString();
  }

  private static String facts(Input in, ImplicitModel m) {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"hidden states n", String.valueOf(m.hiddenDim())});
    rows.add(new String[] {"inputs p", String.valueOf(m.inputDim())});
    rows.add(new String[] {"outputs q", String.valueOf(m.outputDim())});
    rows.add(new String[] {"activation", m.activation().id()});
    Map<String, Double> metrics = in.evaluation().metrics();
    metrics.forEach((k, v) -> {
      if (!(k.equals("loss") && metrics.containsKey("logLoss"))) {
        rows.add(new String[] {k.equals("count") ? "validation rows" : "validation " + k, k.equals("count") ? String.valueOf(v.longValue()) : number(v)});
      }
    });
    in.evaluation().baseline().forEach((k, v) -> rows.add(new String[] {"linear baseline " + k, v instanceof Double d ? number(d) : escape(v.toString())}));
    int selected = in.model().selectedFeatures().length;
    rows.add(new String[] {"features used", selected + " of " + m.inputDim()});
    rows.add(new String[] {"zero entries of A, B, C, D", String.format(Locale.ROOT, "%.1f%%", 100 * in.model().sparsity())});
    StringBuilder t = new StringBuilder("<table class=\"facts\">");
    for (String[] r : rows) {
      t.append("<tr><td>").append(escape(r[0])).append("</td><td>").append(r[1]).append("</td></tr>");
    }
    return t.append("</table>").toString();
  }

  private static String metricCurves(Input in) {
    List<EpochRecord> h = in.summary().history();
    List<SvgCharts.Series> series = new ArrayList<>();
    series.add(new SvgCharts.Series("training (real rule)", column(h, EpochRecord::realMetric), false));
    if (h.stream().anyMatch(EpochRecord::hasHeldOut)) {
      series.add(new SvgCharts.Series("validation (held out)", column(h, EpochRecord::heldOutMetric), false));
    }
    String baseline = "linear baseline (validation)";
    return SvgCharts.lines(in.metricName() + " per epoch", "epoch", in.metricName(), series, in.evaluation().baselineMetric(in.metricName()),
        baseline);
  }

  /** The counts, classes named by {@code names} where the model has them (else by index). */
  private static String confusion(long[][] counts, String[] names) {
    long max = 1;
    for (long[] row : counts) {
      for (long c : row) {
        max = Math.max(max, c);
      }
    }
    StringBuilder t = new StringBuilder("<p>Rows: true class; columns: predicted class.</p><table class=\"cm\"><tr><th></th>");
    for (int j = 0; j < counts.length; j++) {
      t.append("<th>").append(j < names.length ? escape(names[j]) : String.valueOf(j)).append("</th>");
    }
    t.append("</tr>");
    for (int i = 0; i < counts.length; i++) {
      t.append("<tr><th>").append(i < names.length ? escape(names[i]) : String.valueOf(i)).append("</th>");
      for (int j = 0; j < counts.length; j++) {
        double shade = Math.sqrt(counts[i][j] / (double) max);
        int g = (int) Math.round(255 - 160 * shade);
        t.append(String.format(Locale.ROOT, "<td style=\"background:rgb(%d,%d,255)\">%d</td>", g, g, counts[i][j]));
      }
      t.append("</tr>");
    }
    return t.append("</table>").toString();
  }

  /** The input-group penalty path: weight, inputs used, validation loss ± standard error of each support's refit; the chosen row bold. */
  private static String selectionPath(List<TrainingSummary.SelectionPoint> path) {
    StringBuilder t = new StringBuilder("<p>Each weight of the input-group penalty (paper §6.1) gives a support; each support is refit "
        + "without the penalty and scored on the validation rows (mean loss in the trainer's standardized units). Then dropped "
        + "inputs re-enter one at a time, the one with the largest loss gradient first, each kept when it lowers the validation "
        + "loss by more than " + StepwiseRefinement.ENTRY_ERRORS + " standard errors against the same fit trained on without it "
        + "(rows marked 'entered'); then kept inputs, the smallest column first, each removed when the validation loss without it "
        + "is no higher than with it (rows marked 'dropped'); the rule then chooses among all rows. The chosen one is in bold.</p>"
        + "<table><tr><th>weight</th><th>inputs</th><th>validation loss</th><th>± s.e.</th><th></th></tr>");
    for (TrainingSummary.SelectionPoint p : path) {
      String open = p.chosen() ? "<b>" : "";
      String close = p.chosen() ? "</b>" : "";
      t.append(String.format(Locale.ROOT, "<tr><td>%s%.4g%s</td><td>%s%d%s</td><td>%s%.4g%s</td><td>%.2g</td><td>%s</td></tr>", open, p.weight(),
          close, open, p.inputs(), close, open, p.validationLoss(), close, p.standardError(), p.entered() ? "entered" : p.dropped() ? "dropped" : ""));
    }
    return t.append("</table>").toString();
  }

  /** ‖column j of [B; D]‖₂ per input: an image when p is a square (pixels), else the strongest features by name. */
  private static String relevance(ModelInfo info) throws IOException {
    ImplicitModel m = info.implicitModel();
    int p = m.inputDim();
    double[] norms = new double[p];
    for (int j = 0; j < p; j++) {
      double s = 0;
      for (Matrix x : new Matrix[] {m.b(), m.d()}) {
        for (int i = 0; i < x.rows(); i++) {
          s += x.get(i, j) * x.get(i, j);
        }
      }
      norms[j] = Math.sqrt(s);
    }
    String intro = "<p>Norm of each input's column of B and D (eq. 19): how strongly the input reaches the states and outputs. "
        + info.selectedFeatures().length + " of " + p + " inputs are used. Names: " + escape(info.featureNames().source()) + ".</p>";
    return intro + perInput("feature relevance", norms, info.featureNames().names(), "more relevant");
  }

  /** Column sums of |C|(I − |A|)⁻¹|B| + |D| (paper §5): each input's worst-case influence on the outputs. */
  private static String sensitivity(ModelInfo info) throws IOException {
    double[] totals = new IntervalAnalysis(info.implicitModel()).sensitivityTotals();
    String intro = "<p>Sum over the outputs of the worst-case change of each raw output per unit change of each input, "
        + "|C|(I − |A|)<sup>−1</sup>|B| + |D|: an input box u ± ε moves the outputs by at most ε times this (what "
        + "<code>idl certify</code> tightens).</p>";
    return intro + perInput("sensitivity", totals, info.featureNames().names(), "more sensitive");
  }

  /** One value per input: an image when p is a square (pixels), else the largest values by name. */
  private static String perInput(String title, double[] values, String[] names, String darker) throws IOException {
    int p = values.length;
    int side = (int) Math.round(Math.sqrt(p));
    if (side * side == p && side >= 4) {
      return "<img alt=\"" + title + " as a " + side + "x" + side + " image\" style=\"image-rendering:pixelated;width:280px;"
          + "border:1px solid #ccc\" src=\"data:image/png;base64," + png(heat(values, side)) + "\"><p>Deeper blue: " + darker + " pixel.</p>";
    }
    Integer[] order = IntStream.range(0, p).boxed().sorted(Comparator.comparingDouble(j -> -values[j])).limit(TOP_FEATURES).toArray(Integer[]::new);
    return SvgCharts.bars(title, Arrays.stream(order).map(j -> names[j]).toArray(String[]::new),
        Arrays.stream(order).mapToDouble(j -> values[j]).toArray());
  }

  private static BufferedImage heat(double[] v, int side) {
    double max = Arrays.stream(v).max().orElse(0);
    BufferedImage img = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
    for (int k = 0; k < v.length; k++) {
      int g = max > 0 ? (int) Math.round(255 * (1 - v[k] / max)) : 255;
      img.setRGB(k % side, k / side, (g << 16) | (g << 8) | 255);
    }
    return img;
  }

  private static BufferedImage sparsity(Matrix a) {
    int n = Math.max(1, a.rows());
    BufferedImage img = new BufferedImage(n, n, BufferedImage.TYPE_INT_RGB);
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        img.setRGB(j, i, i < a.rows() && a.get(i, j) != 0.0 ? 0x000000 : 0xFFFFFF);
      }
    }
    return img;
  }

  private static String png(BufferedImage img) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(img, "png", out);
    return Base64.getEncoder().encodeToString(out.toByteArray());
  }

  private static double[] column(List<EpochRecord> history, ToDoubleFunction<EpochRecord> f) {
    return history.stream().mapToDouble(f).toArray();
  }

  /** Four significant digits, as a person reads a metric. */
  static String number(Double v) {
    if (v == null || v.isNaN()) {
      return "–";
    }
    return Math.abs(v) >= 1e5 || (Math.abs(v) < 1e-3 && v != 0) ? String.format(Locale.ROOT, "%.3e", v) : String.format(Locale.ROOT, "%.4g", v);
  }

  /** A metric's name at the start of a heading: "Accuracy", "RMSE". */
  private static String capital(String s) {
    return s.equals("rmse") ? "RMSE" : s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }

  static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
