package camgate.redaction.tools;

import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imwrite;

import camgate.redaction.Box;
import camgate.redaction.Detectors;
import camgate.redaction.FrameReport;
import camgate.redaction.ObjectKind;
import camgate.redaction.ProcessedFrame;
import camgate.redaction.RedactionPipeline;
import camgate.redaction.RedactionSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * {@code ./camgate eval --kind faces|plates --images DIR --labels CSV [--save DIR]}: runs the redaction pipeline
 * (that kind's detector only) on labelled images. A labelled box counts as redacted when at least 80 % of its
 * area is redacted; over-redaction is the redacted area outside every labelled box over the image area, averaged
 * over images. The last line is {@code recall=R over_redaction=O images=N boxes=B ms_per_image=M}.
 */
public final class Eval {
  private Eval() {}

  /** One labelled box. */
  record Label(int x, int y, int w, int h) {}

  /** The score of a run. */
  public record Result(int images, int boxes, int redacted, int[] byWidthTotal, int[] byWidthRedacted,
      double overRedaction, double msPerImage, int failSafeImages, List<String> missed) {
    public double recall() {
      return boxes == 0 ? 1 : (double) redacted / boxes;
    }
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> opts = options(args);
    String kindName = opts.get("--kind");
    if (kindName == null || opts.get("--images") == null || opts.get("--labels") == null) {
      System.err.println("usage: ./camgate eval --kind faces|plates --images DIR --labels CSV [--margin F] [--save DIR] [--verbose]");
      System.exit(2);
    }
    ObjectKind kind = switch (kindName) {
      case "faces" -> ObjectKind.FACE;
      case "plates" -> ObjectKind.PLATE;
      default -> throw new IllegalArgumentException("--kind must be faces or plates, got '" + kindName + "'");
    };
    Path save = opts.containsKey("--save") ? Path.of(opts.get("--save")) : null;
    try (Detectors detectors = Detectors.load(modelsDir(), EnumSet.of(kind))) {
      System.out.println("models: " + detectors.models());
      RedactionSettings settings = RedactionSettings.defaults().withMaxStaleFrames(0)
          .withDetectionDeadline(Duration.ofMinutes(2));
      if (opts.containsKey("--margin")) {
        settings = settings.withMargin(Double.parseDouble(opts.get("--margin")));
      }
      Result r = run(detectors, settings, kind, Path.of(opts.get("--images")), Path.of(opts.get("--labels")), save);
      String[] names = {"<20 px", "20-40 px", ">40 px"};
      for (int i = 0; i < 3; i++) {
        System.out.printf(Locale.ROOT, "recall %-8s %.3f (%d/%d)%n", names[i],
            r.byWidthTotal[i] == 0 ? 1.0 : (double) r.byWidthRedacted[i] / r.byWidthTotal[i], r.byWidthRedacted[i],
            r.byWidthTotal[i]);
      }
      int geTotal = r.byWidthTotal[1] + r.byWidthTotal[2];
      int geRedacted = r.byWidthRedacted[1] + r.byWidthRedacted[2];
      System.out.printf(Locale.ROOT, "recall >=20 px %.3f (%d/%d)%n", geTotal == 0 ? 1.0 : (double) geRedacted / geTotal,
          geRedacted, geTotal);
      System.out.println("images masked whole by the fail-safe: " + r.failSafeImages);
      if (opts.containsKey("--verbose")) {
        r.missed.forEach(m -> System.out.println("missed " + m));
      }
      System.out.printf(Locale.ROOT, "recall=%.4f over_redaction=%.4f images=%d boxes=%d ms_per_image=%.1f%n",
          r.recall(), r.overRedaction, r.images, r.boxes, r.msPerImage);
    }
  }

  /** Scores the pipeline on the images listed in {@code labels} (CSV {@code file,x,y,w,h}). BLOCKING. */
  public static Result run(Detectors detectors, RedactionSettings settings, ObjectKind kind, Path images, Path labels,
      Path save) throws IOException {
    Map<String, List<Label>> byFile = readLabels(labels);
    // Images without a row have no box but still count for over-redaction.
    try (var listing = Files.list(images)) {
      listing.map(p -> p.getFileName().toString()).filter(n -> n.matches("(?i).*\\.(jpe?g|png|bmp)$")).sorted()
          .forEach(n -> byFile.putIfAbsent(n, new ArrayList<>()));
    }
    if (save != null) {
      Files.createDirectories(save);
    }
    int failSafe = 0;
    int boxes = 0;
    int redacted = 0;
    int[] total = new int[3];
    int[] hit = new int[3];
    double overSum = 0;
    long nanos = 0;
    List<String> missed = new ArrayList<>();
    for (Map.Entry<String, List<Label>> e : byFile.entrySet()) {
      Path file = images.resolve(e.getKey());
      try (Mat img = imread(file.toString())) {
        if (img.empty()) {
          throw new IOException("cannot read image " + file + " listed in " + labels + "; check --images");
        }
        boolean[] mask;
        long t0 = System.nanoTime();
        try (RedactionPipeline pipeline = RedactionPipeline.create(detectors, settings);
            ProcessedFrame out = pipeline.process(img, false)) {
          nanos += System.nanoTime() - t0;
          mask = redactedPixels(out.report(), kind, img.cols(), img.rows());
          if (out.report().failSafe()) {
            failSafe++;
            System.out.println("fail-safe on " + e.getKey() + ": " + out.report().failSafeReason());
          }
          if (save != null) {
            imwrite(save.resolve(e.getKey().replaceAll("\\.[^.]+$", "") + ".png").toString(), out.redacted());
          }
        }
        int w = img.cols();
        boolean[] inLabel = new boolean[mask.length];
        for (Label l : e.getValue()) {
          long covered = 0;
          long area = 0;
          for (int y = Math.max(0, l.y); y < Math.min(img.rows(), l.y + l.h); y++) {
            for (int x = Math.max(0, l.x); x < Math.min(w, l.x + l.w); x++) {
              area++;
              inLabel[y * w + x] = true;
              if (mask[y * w + x]) {
                covered++;
              }
            }
          }
          int bucket = l.w < 20 ? 0 : l.w <= 40 ? 1 : 2;
          boxes++;
          total[bucket]++;
          if (area > 0 && covered >= 0.8 * area) {
            redacted++;
            hit[bucket]++;
          } else {
            missed.add(e.getKey() + " " + l + String.format(Locale.ROOT, " covered=%.2f",
                area == 0 ? 0 : (double) covered / area));
          }
        }
        long outside = 0;
        for (int i = 0; i < mask.length; i++) {
          if (mask[i] && !inLabel[i]) {
            outside++;
          }
        }
        overSum += (double) outside / mask.length;
      }
    }
    int n = byFile.size();
    return new Result(n, boxes, redacted, total, hit, n == 0 ? 0 : overSum / n, n == 0 ? 0 : nanos / 1e6 / n,
        failSafe, missed);
  }

  /** The pixels the pipeline redacted for {@code kind}: its boxes, or the whole frame under the fail-safe. */
  static boolean[] redactedPixels(FrameReport report, ObjectKind kind, int w, int h) {
    boolean[] mask = new boolean[w * h];
    if (report.failSafe()) {
      java.util.Arrays.fill(mask, true);
      return mask;
    }
    List<Box> boxes = new ArrayList<>(kind == ObjectKind.FACE ? report.faces() : report.plates());
    // Motion regions are redacted too; on a still image (every frame detected) there are none.
    boxes.addAll(report.motion());
    for (Box b : boxes) {
      for (int y = Math.max(0, b.y()); y < Math.min(h, b.y() + b.h()); y++) {
        for (int x = Math.max(0, b.x()); x < Math.min(w, b.x() + b.w()); x++) {
          mask[y * w + x] = true;
        }
      }
    }
    return mask;
  }

  static Map<String, List<Label>> readLabels(Path csv) throws IOException {
    Map<String, List<Label>> byFile = new LinkedHashMap<>();
    List<String> lines = Files.readAllLines(csv);
    if (lines.isEmpty() || !lines.get(0).replace(" ", "").startsWith("file,x,y,w,h")) {
      throw new IOException(csv + ": expected a CSV with header file,x,y,w,h, found "
          + (lines.isEmpty() ? "an empty file" : "'" + lines.get(0) + "'"));
    }
    for (int i = 1; i < lines.size(); i++) {
      String line = lines.get(i).trim();
      if (line.isEmpty()) {
        continue;
      }
      String[] f = line.split(",");
      if (f.length < 5) {
        throw new IOException(csv + " line " + (i + 1) + ": expected file,x,y,w,h, found '" + line + "'");
      }
      byFile.computeIfAbsent(f[0], k -> new ArrayList<>()).add(new Label((int) Math.round(Double.parseDouble(f[1])),
          (int) Math.round(Double.parseDouble(f[2])), (int) Math.round(Double.parseDouble(f[3])),
          (int) Math.round(Double.parseDouble(f[4]))));
    }
    return byFile;
  }

  /** $CAMGATE_MODELS, else .camgate/models under the working directory. */
  static Path modelsDir() {
    String env = System.getenv("CAMGATE_MODELS");
    return env != null && !env.isBlank() ? Path.of(env) : Path.of(".camgate", "models");
  }

  static Map<String, String> options(String[] args) {
    Map<String, String> opts = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument '" + args[i] + "'; options start with --");
      }
      boolean flag = i + 1 >= args.length || args[i + 1].startsWith("--");
      opts.put(args[i], flag ? "true" : args[++i]);
    }
    return opts;
  }
}
