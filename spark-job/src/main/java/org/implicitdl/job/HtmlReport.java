package org.implicitdl.job;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.implicitdl.linalg.Matrix;
import org.implicitdl.model.ImplicitModel;
import org.implicitdl.train.EpochRecord;

/**
 * The report written next to each model: objective and real-rule metric per epoch (SVG line
 * charts), column norms of B (feature relevance, eq. 19), and the sparsity pattern of A as an
 * image (like the paper's LeNet-5 picture).
 */
final class HtmlReport {
  private HtmlReport() {}

  static String render(String title, ImplicitModel model, List<EpochRecord> history, String metricName, String metricsJson) throws IOException {
    StringBuilder html = new StringBuilder();
    html.append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>").append(escape(title)).append("</title>")
        .append("<style>body{font-family:sans-serif;margin:2em;max-width:900px}pre{background:#f4f4f4;padding:1em}</style></head><body>");
    html.append("<h1>").append(escape(title)).append("</h1>");
    html.append("<p>").append(escape(model.toString())).append("<br>").append(escape(model.certificate().toString())).append("</p>");
    html.append("<h2>Metrics</h2><pre>").append(escape(metricsJson)).append("</pre>");
    html.append("<h2>Objective per epoch</h2>").append(lineChart(history.stream().mapToDouble(EpochRecord::objective).toArray(), "objective"));
    html.append("<h2>Real-rule training ").append(escape(metricName)).append(" per epoch</h2>")
        .append(lineChart(history.stream().mapToDouble(EpochRecord::realMetric).toArray(), metricName));
    html.append("<h2>Column norms of B (feature relevance)</h2>").append(barChart(columnNorms(model.b(), model.inputDim())));
    html.append("<h2>Sparsity pattern of A</h2><img alt=\"sparsity pattern of A\" style=\"image-rendering:pixelated;width:400px\" src=\"data:image/png;base64,")
        .append(sparsityPng(model.a())).append("\">");
    html.append("</body></html>\n");
    return html.toString();
  }

  static double[] columnNorms(Matrix b, int cols) {
    double[] norms = new double[cols];
    for (int j = 0; j < cols; j++) {
      double s = 0;
      for (int i = 0; i < b.rows(); i++) {
        s += b.get(i, j) * b.get(i, j);
      }
      norms[j] = Math.sqrt(s);
    }
    return norms;
  }

  private static String lineChart(double[] y, String label) {
    int w = 600;
    int h = 200;
    if (y.length == 0) {
      return "<p>no data</p>";
    }
    double min = java.util.Arrays.stream(y).min().getAsDouble();
    double max = java.util.Arrays.stream(y).max().getAsDouble();
    double span = max > min ? max - min : 1;
    StringBuilder pts = new StringBuilder();
    for (int i = 0; i < y.length; i++) {
      double x = 40 + (w - 60) * (y.length == 1 ? 0.5 : i / (double) (y.length - 1));
      double yy = h - 20 - (h - 40) * (y[i] - min) / span;
      pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, yy));
    }
    return String.format(Locale.ROOT, "<svg width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"%s\"><polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\" points=\"%s\"/>"
        + "<text x=\"5\" y=\"15\" font-size=\"11\">%.4g</text><text x=\"5\" y=\"%d\" font-size=\"11\">%.4g</text>"
        + "<text x=\"%d\" y=\"%d\" font-size=\"11\">epoch</text></svg>", w, h, escape(label), pts, max, h - 20, min, w / 2, h - 2);
  }

  private static String barChart(double[] v) {
    int w = 600;
    int h = 160;
    double max = java.util.Arrays.stream(v).max().orElse(1);
    StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "<svg width=\"%d\" height=\"%d\">", w, h));
    double bw = (w - 20) / (double) Math.max(1, v.length);
    for (int j = 0; j < v.length; j++) {
      double bh = max > 0 ? (h - 20) * v[j] / max : 0;
      s.append(String.format(Locale.ROOT, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"#ff7f0e\"/>",
          10 + j * bw, h - 10 - bh, Math.max(0.5, bw * 0.9), bh));
    }
    return s.append("</svg>").toString();
  }

  private static String sparsityPng(Matrix a) throws IOException {
    int n = Math.max(1, a.rows());
    BufferedImage img = new BufferedImage(n, n, BufferedImage.TYPE_INT_RGB);
    for (int i = 0; i < a.rows(); i++) {
      for (int j = 0; j < a.cols(); j++) {
        img.setRGB(j, i, a.get(i, j) == 0.0 ? 0xFFFFFF : 0x000000);
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(img, "png", out);
    return Base64.getEncoder().encodeToString(out.toByteArray());
  }

  static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
