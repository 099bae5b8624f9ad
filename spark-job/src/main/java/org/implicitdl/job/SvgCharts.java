package org.implicitdl.job;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The report's charts as inline SVG with axes, ticks, labels and a legend. Hand-written rather
 * than a charting library: the report is one self-contained HTML file that opens offline (a
 * cluster's edge node, an attachment), and these three chart kinds need no more than this.
 */
final class SvgCharts {
  private static final int W = 640;
  private static final int H = 260;
  private static final int LEFT = 64;
  private static final int RIGHT = 16;
  private static final int TOP = 14;
  private static final int BOTTOM = 44;
  static final String[] COLORS = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"};

  private SvgCharts() {}

  /** A named series of y values at x = 0, 1, 2, … (NaN points are skipped). */
  record Series(String name, double[] y, boolean dashed) {}

  /** Lines over epochs; {@code reference} (may be NaN) is drawn as a dashed horizontal line named {@code referenceName}. */
  static String lines(String ariaLabel, String xLabel, String yLabel, List<Series> series, double reference, String referenceName) {
    List<Double> all = new ArrayList<>();
    int points = 0;
    for (Series s : series) {
      points = Math.max(points, s.y().length);
      for (double v : s.y()) {
        if (Double.isFinite(v)) {
          all.add(v);
        }
      }
    }
    if (Double.isFinite(reference)) {
      all.add(reference);
    }
    if (all.isEmpty()) {
      return "<p>no data</p>";
    }
    Axis x = Axis.of(0, Math.max(1, points - 1), true);
    Axis y = Axis.of(all.stream().mapToDouble(Double::doubleValue).min().getAsDouble(),
        all.stream().mapToDouble(Double::doubleValue).max().getAsDouble(), false);
    StringBuilder svg = frame(ariaLabel, x, y, xLabel, yLabel);
    List<String> legend = new ArrayList<>();
    for (int k = 0; k < series.size(); k++) {
      Series s = series.get(k);
      StringBuilder pts = new StringBuilder();
      for (int i = 0; i < s.y().length; i++) {
        if (Double.isFinite(s.y()[i])) {
          pts.append(f("%.1f,%.1f ", px(x, i), py(y, s.y()[i])));
        }
      }
      String color = COLORS[k % COLORS.length];
      svg.append(f("<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s points=\"%s\"/>", color,
          s.dashed() ? " stroke-dasharray=\"6 3\"" : "", pts));
      legend.add(color + "|" + s.name());
    }
    if (Double.isFinite(reference)) {
      svg.append(f("<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#555\" stroke-dasharray=\"4 4\"/>", LEFT, W - RIGHT,
          py(y, reference), py(y, reference)));
      legend.add("#555|" + referenceName);
    }
    for (int k = 0; k < legend.size(); k++) {
      String[] cl = legend.get(k).split("\\|", 2);
      int lx = LEFT + 10 + 170 * k;
      svg.append(f("<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"3\" fill=\"%s\"/><text x=\"%d\" y=\"%d\" font-size=\"11\">%s</text>", lx,
          TOP + 4, cl[0], lx + 16, TOP + 9, HtmlReport.escape(cl[1])));
    }
    return svg.append("</svg>").toString();
  }

  /** Points (x, y), with a zero line: residuals against predictions. */
  static String scatter(String ariaLabel, String xLabel, String yLabel, double[][] points) {
    if (points.length == 0) {
      return "<p>no data</p>";
    }
    double x0 = Double.POSITIVE_INFINITY;
    double x1 = Double.NEGATIVE_INFINITY;
    double y0 = 0;
    double y1 = 0;
    for (double[] p : points) {
      x0 = Math.min(x0, p[0]);
      x1 = Math.max(x1, p[0]);
      y0 = Math.min(y0, p[1]);
      y1 = Math.max(y1, p[1]);
    }
    Axis x = Axis.of(x0, x1, false);
    Axis y = Axis.of(y0, y1, false);
    StringBuilder svg = frame(ariaLabel, x, y, xLabel, yLabel);
    svg.append(f("<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#555\"/>", LEFT, W - RIGHT, py(y, 0), py(y, 0)));
    for (double[] p : points) {
      svg.append(f("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2\" fill=\"%s\" fill-opacity=\"0.5\"/>", px(x, p[0]), py(y, p[1]), COLORS[0]));
    }
    return svg.append("</svg>").toString();
  }

  /** Horizontal bars, one per label, longest first as given. */
  static String bars(String ariaLabel, String[] labels, double[] values) {
    int rowH = 16;
    int h = TOP + rowH * labels.length + 30;
    double max = 0;
    for (double v : values) {
      max = Math.max(max, v);
    }
    Axis x = Axis.of(0, max > 0 ? max : 1, false);
    StringBuilder svg = new StringBuilder(f("<svg width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"%s\">", W, h, HtmlReport.escape(ariaLabel)));
    int left = 160;
    for (int i = 0; i < labels.length; i++) {
      double w = (W - RIGHT - left) * values[i] / x.hi();
      int y = TOP + i * rowH;
      svg.append(f("<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\">%s</text>", left - 6, y + 11, HtmlReport.escape(labels[i])));
      svg.append(f("<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>", left, y + 2, Math.max(0.5, w), rowH - 4, COLORS[1]));
    }
    int axisY = TOP + rowH * labels.length + 4;
    svg.append(f("<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#333\"/>", left, W - RIGHT, axisY, axisY));
    for (double t : x.ticks()) {
      double tx = left + (W - RIGHT - left) * t / x.hi();
      svg.append(f("<text x=\"%.1f\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\">%s</text>", tx, axisY + 14, Axis.label(t)));
    }
    return svg.append("</svg>").toString();
  }

  private static StringBuilder frame(String ariaLabel, Axis x, Axis y, String xLabel, String yLabel) {
    StringBuilder svg = new StringBuilder(f("<svg width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"%s\">", W, H, HtmlReport.escape(ariaLabel)));
    svg.append(f("<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#333\"/>", LEFT, W - RIGHT, H - BOTTOM, H - BOTTOM));
    svg.append(f("<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#333\"/>", LEFT, LEFT, TOP, H - BOTTOM));
    for (double t : x.ticks()) {
      svg.append(f("<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#333\"/><text x=\"%.1f\" y=\"%d\" font-size=\"10\" "
          + "text-anchor=\"middle\">%s</text>", px(x, t), px(x, t), H - BOTTOM, H - BOTTOM + 4, px(x, t), H - BOTTOM + 16, Axis.label(t)));
    }
    for (double t : y.ticks()) {
      svg.append(f("<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/><text x=\"%d\" y=\"%.1f\" font-size=\"10\" "
          + "text-anchor=\"end\">%s</text>", LEFT, W - RIGHT, py(y, t), py(y, t), LEFT - 5, py(y, t) + 3, Axis.label(t)));
    }
    svg.append(f("<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\">%s</text>", (LEFT + W - RIGHT) / 2, H - 8,
        HtmlReport.escape(xLabel)));
    svg.append(f("<text x=\"14\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 14 %d)\">%s</text>",
        (TOP + H - BOTTOM) / 2, (TOP + H - BOTTOM) / 2, HtmlReport.escape(yLabel)));
    return svg;
  }

  private static double px(Axis x, double v) {
    return LEFT + (W - LEFT - RIGHT) * (v - x.lo()) / (x.hi() - x.lo());
  }

  private static double py(Axis y, double v) {
    return H - BOTTOM - (H - BOTTOM - TOP - 14) * (v - y.lo()) / (y.hi() - y.lo());
  }

  static String f(String format, Object... args) {
    return String.format(Locale.ROOT, format, args);
  }

  /** An axis over [lo, hi] widened to round ticks (1, 2 or 5 × 10^k apart). */
  record Axis(double lo, double hi, double step) {
    static Axis of(double min, double max, boolean integers) {
      if (!(max > min)) {
        double pad = min == 0 ? 1 : Math.abs(min) * 0.1;
        min -= pad;
        max += pad;
      }
      double raw = (max - min) / 5;
      double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
      double step = raw / magnitude <= 1 ? magnitude : raw / magnitude <= 2 ? 2 * magnitude : raw / magnitude <= 5 ? 5 * magnitude : 10 * magnitude;
      if (integers) {
        step = Math.max(1, Math.round(step));
      }
      return new Axis(Math.floor(min / step) * step, Math.ceil(max / step) * step, step);
    }

    double[] ticks() {
      int count = (int) Math.round((hi - lo) / step);
      double[] t = new double[count + 1];
      for (int i = 0; i <= count; i++) {
        t[i] = lo + i * step;
      }
      return t;
    }

    static String label(double v) {
      if (Math.abs(v) < 1e-12) {
        return "0";
      }
      return Math.abs(v) >= 1e4 || Math.abs(v) < 1e-3 ? f("%.1e", v) : f("%s", Double.parseDouble(f("%.4g", v))).replaceAll("\\.0$", "");
    }
  }
}
