package org.implicitdl.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;
import org.implicitdl.linalg.Matrix;

/**
 * Reads MNIST-style IDX files (magic 0x0801 labels, 0x0803 images; gzip or plain). Images come
 * back as columns of pixel values scaled to [0, 1].
 */
public final class IdxReader {
  private IdxReader() {}

  /** Opens a stream, unwrapping gzip when the first bytes say so. */
  public static DataInputStream open(InputStream raw) throws IOException {
    BufferedInputStream in = new BufferedInputStream(raw, 1 << 16);
    in.mark(2);
    int b1 = in.read();
    int b2 = in.read();
    in.reset();
    boolean gzip = b1 == 0x1f && b2 == 0x8b;
    return new DataInputStream(gzip ? new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16) : in);
  }

  /** The shape of an IDX image file: image count and pixels per image. */
  public record ImageShape(int count, int pixels) {}

  /**
   * Checks an image file from end to end without keeping it (header, then every data byte, so a
   * truncated file is named here) and returns its shape.
   */
  public static ImageShape checkImages(InputStream raw, String name) throws IOException {
    try (DataInputStream in = open(raw)) {
      ImageShape shape = imageHeader(in, name);
      byte[] chunk = new byte[1 << 16];
      long remaining = (long) shape.count() * shape.pixels();
      while (remaining > 0) {
        int n = (int) Math.min(chunk.length, remaining);
        try {
          in.readFully(chunk, 0, n);
        } catch (EOFException e) {
          throw new IOException(name + ": truncated IDX file, expected " + (long) shape.count() * shape.pixels() + " data bytes", e);
        }
        remaining -= n;
      }
      return shape;
    }
  }

  /** Images {@code from} (inclusive) to {@code to} (exclusive) as a pixels × (to − from) matrix, pixels / 255. */
  public static Matrix readImageRange(InputStream raw, String name, int from, int to) throws IOException {
    try (DataInputStream in = open(raw)) {
      ImageShape shape = imageHeader(in, name);
      if (from < 0 || to > shape.count() || from > to) {
        throw new IllegalArgumentException(name + ": images " + from + " to " + to + " requested, the file has " + shape.count());
      }
      in.skipNBytes((long) from * shape.pixels());
      return scaled(in, name, shape.pixels(), to - from);
    }
  }

  private static ImageShape imageHeader(DataInputStream in, String name) throws IOException {
    int magic = in.readInt();
    if (magic != 0x0803) {
      throw new IOException(name + ": not an IDX image file (magic " + Integer.toHexString(magic) + ", expected 803)");
    }
    int count = in.readInt();
    return new ImageShape(count, Math.multiplyExact(in.readInt(), in.readInt()));
  }

  private static Matrix scaled(DataInputStream in, String name, int pixels, int count) throws IOException {
    byte[] buf = new byte[Math.multiplyExact(count, pixels)];
    readFully(in, buf, name);
    double[] d = new double[buf.length];
    for (int k = 0; k < buf.length; k++) {
      d[k] = (buf[k] & 0xff) / 255.0;
    }
    return new Matrix(pixels, count, d);
  }

  /** Images as a (rows·cols) × count matrix, pixels / 255. */
  public static Matrix readImages(InputStream raw, String name) throws IOException {
    try (DataInputStream in = open(raw)) {
      ImageShape shape = imageHeader(in, name);
      return scaled(in, name, shape.pixels(), shape.count());
    }
  }

  /** Labels as class indices. */
  public static int[] readLabels(InputStream raw, String name) throws IOException {
    try (DataInputStream in = open(raw)) {
      int magic = in.readInt();
      if (magic != 0x0801) {
        throw new IOException(name + ": not an IDX label file (magic " + Integer.toHexString(magic) + ", expected 801)");
      }
      byte[] buf = new byte[in.readInt()];
      readFully(in, buf, name);
      int[] labels = new int[buf.length];
      for (int k = 0; k < buf.length; k++) {
        labels[k] = buf[k] & 0xff;
      }
      return labels;
    }
  }

  private static void readFully(DataInputStream in, byte[] buf, String name) throws IOException {
    try {
      in.readFully(buf);
    } catch (EOFException e) {
      throw new IOException(name + ": truncated IDX file, expected " + buf.length + " data bytes", e);
    }
  }
}
