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

  /** Images as a (rows·cols) × count matrix, pixels / 255. */
  public static Matrix readImages(InputStream raw, String name) throws IOException {
    try (DataInputStream in = open(raw)) {
      int magic = in.readInt();
      if (magic != 0x0803) {
        throw new IOException(name + ": not an IDX image file (magic " + Integer.toHexString(magic) + ", expected 803)");
      }
      int count = in.readInt();
      int pixels = Math.multiplyExact(in.readInt(), in.readInt());
      byte[] buf = new byte[Math.multiplyExact(count, pixels)];
      readFully(in, buf, name);
      double[] d = new double[buf.length];
      for (int k = 0; k < buf.length; k++) {
        d[k] = (buf[k] & 0xff) / 255.0;
      }
      return new Matrix(pixels, count, d);
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
